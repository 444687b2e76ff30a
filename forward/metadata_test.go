package forward

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/mcpauth/mcpauth/internal/jwttest"
)

const testIssuer = "https://x.authkit.app"

const validDoc = `{"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/oauth2/authorize",` +
	`"token_endpoint":"https://x.authkit.app/oauth2/token","response_types_supported":["code"],` +
	`"code_challenge_methods_supported":["S256"],"registration_endpoint":"https://x.authkit.app/oauth2/register",` +
	`"client_id_metadata_document_supported":true,"jwks_uri":"https://x.authkit.app/oauth2/jwks"}`

func TestParseMetadata(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		wantErr   bool
	}{
		{"valid", validDoc, false},
		{"escaped slashes", `{"issuer":"https:\/\/x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, false},
		{"explicit null optional", `{"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"],"jwks_uri":null}`, false},
		{"unknown members kept out of the way", `{"x":{"y":[1,2,{}]},"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, false},
		{"array", `[]`, true},
		{"string", `"x"`, true},
		{"empty", ``, true},
		{"html", `<html></html>`, true},
		{"truncated", validDoc[:len(validDoc)-1], true},
		{"trailing data", validDoc + `{}`, true},
		{"duplicate issuer", `{"issuer":"https://evil.example","issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"duplicate after null", `{"issuer":null,"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"case-folded issuer ignored", `{"ISSUER":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"issuer trailing slash", `{"issuer":"https://x.authkit.app/","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"issuer not a string", `{"issuer":1,"authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"endpoint not a URL", `{"issuer":"https://x.authkit.app","authorization_endpoint":"javascript:alert(1)","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"relative endpoint", `{"issuer":"https://x.authkit.app","authorization_endpoint":"/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"empty response types", `{"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":[]}`, true},
		{"response types not array", `{"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":"code"}`, true},
		{"invalid UTF-8 in an unread member", `{"x":"` + "\xff" + `","issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"lone surrogate in an endpoint", `{"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a\ud800","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`, true},
		{"null among the response types", `{"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code",null]}`, true},
		{"cimd not bool", `{"issuer":"https://x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"],"client_id_metadata_document_supported":"true"}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseMetadata([]byte(tc.doc), testIssuer)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("accepted: %+v", m)
				}
				if !errors.Is(err, ErrInvalidMetadata) {
					t.Errorf("error %v does not wrap ErrInvalidMetadata", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseMetadata: %v", err)
			}
			if m.Issuer != testIssuer {
				t.Errorf("issuer = %q", m.Issuer)
			}
		})
	}
}

// FuzzParseMetadata checks the validator never panics and that whatever it
// accepts is a JSON object with the configured issuer and the required
// fields, which encoding/json reads with the same values.
func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(validDoc))
	f.Add([]byte(`{"issuer":"https:\/\/x.authkit.app","authorization_endpoint":"https://x.authkit.app/a","token_endpoint":"https://x.authkit.app/t","response_types_supported":["code"]}`))
	f.Add([]byte(`{"issuer":null,"issuer":"https://x.authkit.app"}`))
	f.Add([]byte(`[{"issuer":"https://x.authkit.app"}]`))
	f.Add([]byte(`<html>`))
	f.Add([]byte(`{"a":{"b":[1,2,3]},"c":"\ud800"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := parseMetadata(body, testIssuer)
		if err != nil {
			if m != nil {
				t.Fatal("metadata returned with an error")
			}
			if !errors.Is(err, ErrInvalidMetadata) {
				t.Fatalf("error %v does not wrap ErrInvalidMetadata", err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("accepted invalid JSON %q", body)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Fatalf("accepted a non-object %q", body)
		}
		if m.Issuer != testIssuer || m.AuthorizationEndpoint == "" || m.TokenEndpoint == "" || len(m.ResponseTypesSupported) == 0 {
			t.Fatalf("accepted without required fields: %+v", m)
		}
		// encoding/json reads the same values (exact names: a map, not
		// struct decoding, which folds case).
		var ref struct {
			issuer, authz, token string
			types                []string
		}
		if json.Unmarshal(obj["issuer"], &ref.issuer) != nil || json.Unmarshal(obj["authorization_endpoint"], &ref.authz) != nil ||
			json.Unmarshal(obj["token_endpoint"], &ref.token) != nil || json.Unmarshal(obj["response_types_supported"], &ref.types) != nil {
			t.Fatalf("encoding/json cannot read the required fields of %q", body)
		}
		if ref.issuer != m.Issuer || ref.authz != m.AuthorizationEndpoint || ref.token != m.TokenEndpoint || !slices.Equal(ref.types, m.ResponseTypesSupported) {
			t.Fatalf("read %+v, encoding/json %+v", m, ref)
		}
	})
}

// BenchmarkHandlerCached measures serving a cached document through the
// handler.
func BenchmarkHandlerCached(b *testing.B) {
	u := newUpstream(b)
	f := mustNew(b, testConfig(u, jwttest.NewClock(), nil))
	h := f.Handler()
	r := httptest.NewRequest(http.MethodGet, pathAuthorizationServer, nil)
	w := &discardWriter{h: http.Header{}}
	h.ServeHTTP(w, r) // fill the cache
	if w.code != http.StatusOK {
		b.Fatalf("status %d", w.code)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(u.doc())))
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, r)
	}
}

type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }

// FuzzCacheHeaders feeds untrusted upstream caching headers to the
// freshness computation: it must not panic and must stay within bounds.
func FuzzCacheHeaders(f *testing.F) {
	f.Add("public, max-age=3600", "", "", "")
	f.Add("s-maxage=10, max-age=\"60\"", "Thu, 01 Jan 2026 00:00:00 GMT", "Thu, 01 Jan 2026 01:00:00 GMT", "30")
	f.Add("no-store", "", "", "-5")
	f.Add("max-age=99999999999999999999", "", "0", "99999999999999999")
	fwd, err := New(Config{Issuer: testIssuer})
	if err != nil {
		f.Fatal(err)
	}
	now := jwttest.NewClock().Now()
	f.Fuzz(func(t *testing.T, cc, date, expires, age string) {
		h := http.Header{"Cache-Control": {cc}, "Date": {date}, "Expires": {expires}, "Age": {age}}
		d := fwd.as.ttl(h, now)
		if d < fwd.cfg.MinCacheTTL || d > fwd.cfg.MaxCacheTTL {
			t.Fatalf("ttl %v outside [%v, %v]", d, fwd.cfg.MinCacheTTL, fwd.cfg.MaxCacheTTL)
		}
	})
}

// FuzzETagMatches feeds untrusted If-None-Match values to the comparison.
func FuzzETagMatches(f *testing.F) {
	f.Add(`"abc"`, `"abc"`)
	f.Add(`W/"abc", "def"`, `"def"`)
	f.Add(`*`, `"x"`)
	f.Add(`,,,"`, `""`)
	f.Fuzz(func(t *testing.T, header, etag string) {
		got := etagMatches(header, etag)
		wellFormed := len(etag) >= 2 && etag[0] == '"' && etag[len(etag)-1] == '"' &&
			!strings.ContainsAny(etag[1:len(etag)-1], "\", \t")
		if wellFormed && header == etag && !got {
			t.Fatalf("etagMatches(%q, %q) = false for an identical tag", header, etag)
		}
	})
}
