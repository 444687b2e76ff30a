package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// runErr runs the program in-process with a bounded context and returns its
// error and output.
func runErr(t testing.TB, args []string, env func(string) string) (stdout, stderr string, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut lockedBuffer
	err = run(ctx, args, env, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestRunHelpExitsZero(t *testing.T) {
	_, stderr, err := runErr(t, []string{"--help"}, envMap())
	if err != nil {
		t.Fatalf("run --help = %v, want nil", err)
	}
	if !strings.Contains(stderr, "authkit-demo check") {
		t.Errorf("usage not printed:\n%s", stderr)
	}
}

func TestRunStartupErrors(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	tests := []struct {
		name string
		args []string
		env  func(string) string
		want string // the whole error, or a prefix ending in "..."
	}{
		{
			name: "missing domain",
			env:  envMap(),
			want: "authkit-demo: set --authkit-domain or AUTHKIT_DOMAIN to your AuthKit domain (like my-app.authkit.app), or use --dev to try it with a fake AuthKit",
		},
		{
			name: "address in use",
			args: []string{"--dev", "--addr", busy.Addr().String()},
			env:  envMap(),
			want: "authkit-demo: cannot listen on " + busy.Addr().String() + ": bind: address already in use",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runErr(t, tt.args, tt.env)
			assertOneSentence(t, err, tt.want)
			if strings.Contains(stdout, "status: ready") {
				t.Errorf("reported ready despite the failure:\n%s", stdout)
			}
		})
	}
}

// assertOneSentence checks that err is exactly want (or starts with want
// without its trailing "...") and is a single line.
func assertOneSentence(t testing.TB, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatal("run succeeded, want a start-up error")
	}
	got := err.Error()
	if prefix, ok := strings.CutSuffix(want, "..."); ok {
		if !strings.HasPrefix(got, prefix) {
			t.Errorf("error = %q\nwant prefix %q", got, prefix)
		}
	} else if got != want {
		t.Errorf("error = %q\nwant    %q", got, want)
	}
	if strings.Contains(got, "\n") {
		t.Errorf("error spans several lines: %q", got)
	}
}
