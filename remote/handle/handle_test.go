package handle

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mcpauth/mcpauth/internal/testutil"
	"github.com/mcpauth/mcpauth/remote"
)

var (
	alice = Caller{Issuer: "https://auth.example.com", Subject: "user_alice", ClientID: "client_1"}
	k1    = Key{ID: "k1", Secret: bytes.Repeat([]byte{1}, KeySize)}
	k2    = Key{ID: "k2", Secret: bytes.Repeat([]byte{2}, KeySize)}
)

func newSealer(tb testing.TB, clock *testutil.Clock, keys ...Key) *Sealer {
	tb.Helper()
	s, err := New(Config{Keys: keys, Purpose: "test", TTL: time.Minute, Now: clock.Now})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestSealOpen(t *testing.T) {
	clock := testutil.NewClock(time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC))
	s := newSealer(t, clock, k1)
	for _, v := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("v"), MaxValueBytes)} {
		h, err := s.Seal(alice, v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Open(alice, h)
		if err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Open = %d bytes, %v; want %d bytes", len(got), err, len(v))
		}
		if strings.Contains(h, "alice") || strings.ContainsAny(h, "+/=") {
			t.Errorf("handle %q shows the caller or is not URL-safe", h[:min(len(h), 40)])
		}
	}
	h1, _ := s.Seal(alice, []byte("same"))
	h2, _ := s.Seal(alice, []byte("same"))
	if h1 == h2 {
		t.Error("two seals of one value are equal: no fresh salt")
	}
	if _, err := s.Seal(alice, make([]byte, MaxValueBytes+1)); err == nil {
		t.Error("a value over MaxValueBytes was sealed")
	}
}

// TestOpenRefuses: each refusal starts from a handle that opens for alice,
// so only the one difference can make it fail.
func TestOpenRefuses(t *testing.T) {
	clock := testutil.NewClock(time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC))
	s := newSealer(t, clock, k1)
	h, err := s.Seal(alice, []byte("secret note"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open(alice, h); err != nil {
		t.Fatalf("control: %v", err)
	}
	flip := func(i int) string {
		raw, _ := base64.RawURLEncoding.DecodeString(h)
		raw[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(raw)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(h)
	otherPurpose := MustNew(Config{Keys: []Key{k1}, Purpose: "other", Now: clock.Now})
	otherPurposeHandle, _ := otherPurpose.Seal(alice, []byte("secret note"))
	for _, tt := range []struct {
		name   string
		s      *Sealer
		caller Caller
		handle string
		want   error
	}{
		{"another subject", s, Caller{alice.Issuer, "user_bob", alice.ClientID}, h, ErrOtherCaller},
		{"another issuer, same subject", s, Caller{"https://other.example.com", alice.Subject, alice.ClientID}, h, ErrOtherCaller},
		{"another client, same user", s, Caller{alice.Issuer, alice.Subject, "client_2"}, h, ErrOtherCaller},
		{"no client, same user", s, Caller{alice.Issuer, alice.Subject, ""}, h, ErrOtherCaller},
		{"fields shifted", s, Caller{alice.Issuer + alice.Subject, "", alice.ClientID}, h, ErrNoCaller},
		{"ciphertext bit flipped", s, alice, flip(len(raw) - 20), ErrTampered},
		{"tag bit flipped", s, alice, flip(len(raw) - 1), ErrTampered},
		{"salt bit flipped", s, alice, flip(2 + len(k1.ID)), ErrTampered},
		{"key id changed to another known key", newSealer(t, clock, k1, Key{ID: "k0", Secret: k1.Secret}), alice, flip(3), ErrTampered},
		{"truncated", s, alice, h[:len(h)-4], ErrTampered},
		{"extended", s, alice, h + "AAAA", ErrTampered},
		{"not base64url", s, alice, h[:10] + "+/" + h[12:], ErrTampered},
		{"version changed", s, alice, flip(0), ErrTampered},
		{"empty", s, alice, "", ErrTampered},
		{"oversized", s, alice, strings.Repeat("A", maxHandleLen+1), ErrTampered},
		{"sealed under another purpose", s, alice, otherPurposeHandle, ErrTampered},
		{"key retired", newSealer(t, clock, k2), alice, h, ErrKeyRetired},
		{"same key id, another secret", newSealer(t, clock, Key{ID: "k1", Secret: k2.Secret}), alice, h, ErrTampered},
		{"caller without subject", s, Caller{Issuer: alice.Issuer}, h, ErrNoCaller},
		{"caller without issuer", s, Caller{Subject: alice.Subject}, h, ErrNoCaller},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.s.Open(tt.caller, tt.handle)
			if !errors.Is(err, tt.want) || v != nil {
				t.Fatalf("Open = %q, %v; want %v", v, err, tt.want)
			}
			if tt.want != ErrNoCaller && !errors.Is(err, ErrInvalid) {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
			for _, other := range []error{ErrOtherCaller, ErrTampered, ErrExpired, ErrKeyRetired} {
				if other != tt.want && errors.Is(err, other) {
					t.Errorf("%v also matches %v", err, other)
				}
			}
			if strings.Contains(err.Error(), "secret note") || strings.Contains(err.Error(), h[:16]) {
				t.Errorf("error text %q shows the value or the handle", err)
			}
		})
	}
}

func TestOpenExpiry(t *testing.T) {
	clock := testutil.NewClock(time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC))
	s := newSealer(t, clock, k1)
	h, _ := s.Seal(alice, []byte("v"))
	clock.Advance(time.Minute - time.Second)
	if _, err := s.Open(alice, h); err != nil {
		t.Fatalf("one second before expiry: %v", err)
	}
	clock.Advance(time.Second)
	if _, err := s.Open(alice, h); !errors.Is(err, ErrExpired) {
		t.Fatalf("at expiry: %v, want ErrExpired", err)
	}
	// Another caller learns that the handle is not theirs, not its age.
	if _, err := s.Open(Caller{alice.Issuer, "user_bob", ""}, h); !errors.Is(err, ErrOtherCaller) {
		t.Fatalf("another caller, expired handle: %v, want ErrOtherCaller", err)
	}
}

// TestRotation follows Config.Keys' procedure on two replicas.
func TestRotation(t *testing.T) {
	clock := testutil.NewClock(time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC))
	old := newSealer(t, clock, k1)
	h1, _ := old.Seal(alice, []byte("one"))
	// Step 1: the new key is added last: seals with k1, opens both.
	step1 := newSealer(t, clock, k1, k2)
	// Step 2: the new key first: seals with k2, still opens k1 handles.
	step2 := newSealer(t, clock, k2, k1)
	h2, _ := step2.Seal(alice, []byte("two"))
	for _, c := range []struct {
		s    *Sealer
		h    string
		want string
	}{{step1, h1, "one"}, {step1, h2, "two"}, {step2, h1, "one"}, {step2, h2, "two"}} {
		if v, err := c.s.Open(alice, c.h); err != nil || string(v) != c.want {
			t.Errorf("Open = %q, %v; want %q", v, err, c.want)
		}
	}
	// Step 3: k1 removed: its handles fail as retired.
	step3 := newSealer(t, clock, k2)
	if _, err := step3.Open(alice, h1); !errors.Is(err, ErrKeyRetired) {
		t.Errorf("k1 handle after removal: %v", err)
	}
	if v, err := step3.Open(alice, h2); err != nil || string(v) != "two" {
		t.Errorf("k2 handle: %q, %v", v, err)
	}
}

func TestNewConfig(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"no keys", Config{}, "Config.Keys is required"},
		{"short secret", Config{Keys: []Key{{ID: "k1", Secret: []byte("short")}}}, "the secret has 5 bytes, want 32"},
		{"bad id", Config{Keys: []Key{{ID: "k 1", Secret: k1.Secret}}}, `the id "k 1" must be`},
		{"empty id", Config{Keys: []Key{{Secret: k1.Secret}}}, `the id "" must be`},
		{"duplicate id", Config{Keys: []Key{k1, {ID: "k1", Secret: k2.Secret}}}, `the id "k1" is used twice`},
		{"negative TTL", Config{Keys: []Key{k1}, TTL: -time.Second}, "must not be negative"},
		{"sub-second TTL", Config{Keys: []Key{k1}, TTL: time.Millisecond}, "at least one second"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), string(k1.Secret)) {
				t.Error("error shows the secret")
			}
		})
	}
	s := MustNew(Config{Keys: []Key{k1}})
	if s.ttl != DefaultTTL {
		t.Errorf("default TTL %v", s.ttl)
	}
	// The configured secret is copied: changing the caller's slice later
	// does not change the key.
	secret := bytes.Repeat([]byte{7}, KeySize)
	s = MustNew(Config{Keys: []Key{{ID: "k", Secret: secret}}})
	h, _ := s.Seal(alice, []byte("v"))
	secret[0] ^= 1
	if _, err := s.Open(alice, h); err != nil {
		t.Errorf("key changed through the caller's slice: %v", err)
	}
}

func TestParseKeys(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(k1.Secret)
	keys, err := ParseKeys(" k2:" + base64.StdEncoding.EncodeToString(k2.Secret) + " ,k1:" + good)
	if err != nil || len(keys) != 2 || keys[0].ID != "k2" || !bytes.Equal(keys[1].Secret, k1.Secret) {
		t.Fatalf("ParseKeys = %v, %v", keys, err)
	}
	for _, bad := range []string{"", "k1", ":" + good, "k1:" + good[:40], "k1:" + good + ",", "k 1:" + good, "k1:" + strings.TrimRight(good, "=")} {
		if _, err := ParseKeys(bad); err == nil {
			t.Errorf("ParseKeys(%q) accepted", bad)
		} else if strings.Contains(err.Error(), good[:20]) {
			t.Errorf("error %q shows the secret", err)
		}
	}
}

func TestCallerFromContext(t *testing.T) {
	info := &remote.TokenInfo{Issuer: "https://auth.example.com", Subject: "user_alice", ClientID: "client_1"}
	c, ok := CallerFromContext(remote.ContextWithTokenInfo(context.Background(), info))
	if !ok || c != alice {
		t.Errorf("CallerFromContext = %+v, %v", c, ok)
	}
	if _, ok := CallerFromContext(context.Background()); ok {
		t.Error("caller without a token")
	}
	if CallerOf(nil) != (Caller{}) {
		t.Error("CallerOf(nil)")
	}
}

func TestSealNoCaller(t *testing.T) {
	s := MustNew(Config{Keys: []Key{k1}})
	if _, err := s.Seal(Caller{Subject: "user_alice"}, nil); !errors.Is(err, ErrNoCaller) {
		t.Errorf("Seal without issuer: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	clock := testutil.NewClock(time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC))
	s := newSealer(f, clock, k1)
	h, _ := s.Seal(alice, []byte("seed"))
	f.Add(h)
	f.Add("")
	f.Add("AQJrMQ")
	// Only "seed" is ever sealed with this key and purpose (the seeds come
	// from a Seal in each fuzzing process), so anything else that opens is a
	// forgery.
	f.Fuzz(func(t *testing.T, in string) {
		v, err := s.Open(alice, in)
		if err == nil && string(v) != "seed" {
			t.Fatalf("opened a forged handle %q: %q", in, v)
		}
		if err != nil && !errors.Is(err, ErrInvalid) {
			t.Fatalf("error %v outside ErrInvalid", err)
		}
	})
}

func BenchmarkSealOpen(b *testing.B) {
	s := MustNew(Config{Keys: []Key{k1}})
	v := []byte("a cursor of a few dozen bytes: page=7&sort=name")
	b.ReportAllocs()
	for b.Loop() {
		h, err := s.Seal(alice, v)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Open(alice, h); err != nil {
			b.Fatal(err)
		}
	}
}
