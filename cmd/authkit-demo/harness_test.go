package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// This file starts the demo as a real process for the end-to-end tests.

var (
	buildOnce sync.Once
	buildDir  string
	buildPath string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// demoBinary builds the program once per test binary and returns its path.
func demoBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "authkit-demo-e2e-")
		if buildErr != nil {
			return
		}
		buildPath = filepath.Join(buildDir, "authkit-demo")
		if runtime.GOOS == "windows" {
			buildPath += ".exe"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", buildPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildPath
}

// demoProcess is a running authkit-demo.
type demoProcess struct {
	// ready holds the key: value lines printed up to "status: ready".
	ready   map[string]string
	cmd     *exec.Cmd
	stderr  *lockedBuffer
	done    chan struct{}
	err     error // set when done is closed
	stopped bool  // stop ran already (a test's own call, then Cleanup's)
}

// startDemo starts the binary with args and exactly the environment env
// (plus PATH and HOME), waits until it prints "status: ready" and stops it
// with SIGTERM at the end of the test, failing the test unless it exits 0.
func startDemo(t testing.TB, args []string, env ...string) *demoProcess {
	t.Helper()
	bin := demoBinary(t)
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &demoProcess{cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{}), ready: map[string]string{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	readyCh := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		signalled := false
		for sc.Scan() {
			if signalled {
				continue // drain
			}
			k, v, ok := strings.Cut(sc.Text(), ": ")
			if !ok {
				continue
			}
			p.ready[k] = v
			if k == "status" && v == "ready" {
				signalled = true
				readyCh <- nil
			}
		}
		if !signalled {
			readyCh <- errors.New("stdout closed before status: ready")
		}
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()

	t.Cleanup(func() { p.stop(t) })

	select {
	case err := <-readyCh:
		if err != nil {
			<-p.done
			t.Fatalf("authkit-demo did not start: %v (exit: %v)\nstderr:\n%s", err, p.err, p.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("authkit-demo not ready after 30s\nstderr:\n%s", p.stderr.String())
	}
	return p
}

// stop sends SIGTERM and fails the test unless the process exits 0 within
// the shutdown bound.
func (p *demoProcess) stop(t testing.TB) {
	t.Helper()
	if p.stopped {
		return
	}
	p.stopped = true
	select {
	case <-p.done:
		// It stopped before we asked: a crash or an early exit mid-test.
		t.Errorf("authkit-demo exited before SIGTERM (%v)\nstderr:\n%s", p.err, p.stderr.String())
	default:
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(15 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
			t.Errorf("authkit-demo did not stop within 15s of SIGTERM")
			return
		}
		if p.err != nil {
			t.Errorf("authkit-demo exited with %v after SIGTERM, want status 0\nstderr:\n%s", p.err, p.stderr.String())
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for a writer goroutine and readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var _ io.Writer = (*lockedBuffer)(nil)
