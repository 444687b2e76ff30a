package httpx

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hashicorp/go-retryablehttp"
)

// redirectPair is an origin that redirects every request to target, a
// reachable server that would answer 200 and counts what it receives: a
// followed redirect shows up as a request there.
type redirectPair struct {
	origin, target *httptest.Server
	hits           atomic.Int32
}

func newRedirectPair(t *testing.T, status int, tlsOrigin bool) *redirectPair {
	t.Helper()
	p := &redirectPair{}
	p.target = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	t.Cleanup(p.target.Close)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, p.target.URL+"/elsewhere", status)
	})
	if tlsOrigin {
		p.origin = httptest.NewTLSServer(h)
	} else {
		p.origin = httptest.NewServer(h)
	}
	t.Cleanup(p.origin.Close)
	return p
}

// followingTransport follows redirects inside RoundTrip, as some wrapping
// transports do: NoRedirects cannot stop it before it sends, but must not
// let its answer through.
type followingTransport struct{ c *http.Client }

func (f followingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	return f.c.Do(out)
}

func TestNoOutboundRequestFollowsARedirect(t *testing.T) {
	for _, status := range []int{301, 302, 303, 307, 308} {
		for _, tc := range []struct {
			name   string
			tls    bool
			client func(p *redirectPair) *http.Client
		}{
			{"default client", false, func(*redirectPair) *http.Client { return NewClient(Options{RetryMax: -1}) }},
			{"default client, https to http", true, func(p *redirectPair) *http.Client {
				return NewClient(Options{RetryMax: -1, Transport: p.origin.Client().Transport})
			}},
			{"user's plain client", false, func(*redirectPair) *http.Client { return NoRedirects(&http.Client{}) }},
			{"user's plain client, https to http", true, func(p *redirectPair) *http.Client { return NoRedirects(p.origin.Client()) }},
			{"user's go-retryablehttp client", false, func(*redirectPair) *http.Client {
				rc := retryablehttp.NewClient()
				rc.Logger = nil
				rc.RetryMax = 0
				return NoRedirects(rc.StandardClient())
			}},
			{"NoRedirects of the default client", false, func(*redirectPair) *http.Client { return NoRedirects(NewClient(Options{RetryMax: -1})) }},
		} {
			t.Run(strconv.Itoa(status)+"/"+tc.name, func(t *testing.T) {
				p := newRedirectPair(t, status, tc.tls)
				req, err := http.NewRequest(http.MethodGet, p.origin.URL+"/jwks", nil)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := tc.client(p).Do(req)
				if err != nil {
					t.Fatalf("Do: %v (want the redirect response itself)", err)
				}
				resp.Body.Close()
				if resp.StatusCode != status {
					t.Errorf("status = %d, want the redirect %d returned as is", resp.StatusCode, status)
				}
				var re *RedirectError
				if err := CheckRedirectStatus(resp); !errors.As(err, &re) || re.Status != status || re.Host != req.URL.Host {
					t.Errorf("CheckRedirectStatus = %v, want a RedirectError for %d from %s", err, status, req.URL.Host)
				}
				if n := p.hits.Load(); n != 0 {
					t.Errorf("the redirect target received %d requests, want 0", n)
				}
			})
		}
	}
}

// Without the guard a plain client follows: the pair really is reachable,
// so the zero above means something.
func TestRedirectPairIsFollowedByAPlainClient(t *testing.T) {
	p := newRedirectPair(t, http.StatusFound, false)
	resp, err := http.Get(p.origin.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || p.hits.Load() != 1 {
		t.Fatalf("plain client: status %d, target hits %d; want 200 and 1", resp.StatusCode, p.hits.Load())
	}
}

func TestNoRedirectsRefusesATransportThatFollowsByItself(t *testing.T) {
	p := newRedirectPair(t, http.StatusFound, false)
	c := NoRedirects(&http.Client{Transport: followingTransport{c: &http.Client{}}})
	_, err := c.Get(p.origin.URL + "/jwks")
	var re *RedirectError
	if !errors.As(err, &re) || !errors.Is(err, ErrRedirect) {
		t.Fatalf("Get = %v, want a RedirectError", err)
	}
}

func TestNoRedirectsLeavesTheUsersClientAlone(t *testing.T) {
	orig := &http.Client{}
	_ = NoRedirects(orig)
	if orig.CheckRedirect != nil || orig.Transport != nil {
		t.Error("NoRedirects modified the client passed in")
	}
	if NoRedirects(nil) != nil {
		t.Error("NoRedirects(nil) != nil")
	}
}

func TestRetryTransportErrorsOnly(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	resp, err := NewClient(Options{RetryTransportErrorsOnly: true}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := n.Load(); got != 1 {
		t.Errorf("attempts on 503 = %d, want 1", got)
	}
}

func TestRefuseUnroutableDialer(t *testing.T) {
	d := RefuseUnroutableDialer()
	for _, addr := range []string{"169.254.169.254:80", "[fe80::1]:443", "0.0.0.0:80", "[::]:80", "224.0.0.1:80"} {
		c, err := d.DialContext(t.Context(), "tcp", addr)
		if err == nil {
			c.Close()
			t.Errorf("dial %s succeeded", addr)
		} else if !strings.Contains(err.Error(), "refusing") {
			t.Errorf("dial %s: %v, want refused before connecting", addr, err)
		}
	}
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	c, err := d.DialContext(t.Context(), "tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial loopback: %v", err)
	}
	c.Close()
}
