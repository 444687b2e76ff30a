package remote

// A small, allocation-free, strict JSON scanner for the two places the
// provider reads untrusted JSON before any verification: the tools/call
// request body and a JWT payload's "iss". It validates the complete input
// (RFC 8259 grammar, UTF-8 checked by the callers) and exposes object
// members without building values, so a request costs no allocations
// beyond the strings it returns.

import (
	"bytes"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// strictMaxDepth bounds nesting, like the go-sdk's own JSON reader.
const strictMaxDepth = 1000

var errStrictJSON = errors.New("remote: invalid JSON")

type strictJSON struct {
	b     []byte
	i     int
	depth int
}

func (s *strictJSON) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (s *strictJSON) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *strictJSON) eat(c byte) bool {
	if s.peek() == c {
		s.i++
		return true
	}
	return false
}

// atEnd reports whether only whitespace remains.
func (s *strictJSON) atEnd() bool {
	s.ws()
	return s.i == len(s.b)
}

// str reads a string and returns its raw contents (between the quotes) and
// whether it contains escapes.
func (s *strictJSON) str() (raw []byte, escaped bool, err error) {
	if s.peek() != '"' {
		return nil, false, errStrictJSON
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, escaped, nil
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return nil, false, errStrictJSON
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return nil, false, errStrictJSON
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if strictHex(h) < 0 {
						return nil, false, errStrictJSON
					}
				}
				s.i += 6
			default:
				return nil, false, errStrictJSON
			}
		case c < 0x20:
			return nil, false, errStrictJSON
		default:
			s.i++
		}
	}
	return nil, false, errStrictJSON
}

func strictHex(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// strictUnquote decodes the raw contents of a validated string. It refuses
// lone surrogates (decoders disagree on them).
func strictUnquote(raw []byte, escaped bool) (string, error) {
	if !escaped {
		return string(raw), nil
	}
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if b, ok := jsonSimpleEscape(raw[i+1]); ok {
			out = append(out, b)
			i += 2
			continue
		}
		switch raw[i+1] {
		case 'u':
			r := strictHex4(raw[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				if r >= 0xdc00 || i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
					return "", errStrictJSON
				}
				r2 := strictHex4(raw[i+2 : i+6])
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return "", errStrictJSON
				}
				i += 6
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // validated by str: cannot happen
			return "", errStrictJSON
		}
	}
	return string(out), nil
}

// jsonSimpleEscape returns the byte a one-character JSON escape (\" \\ \/ \b
// \f \n \r \t) stands for; ok is false for anything else (\u or invalid).
// Both JSON readers of this package use it.
func jsonSimpleEscape(c byte) (byte, bool) {
	switch c {
	case '"', '\\', '/':
		return c, true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	}
	return 0, false
}

func strictHex4(h []byte) rune {
	return strictHex(h[0])<<12 | strictHex(h[1])<<8 | strictHex(h[2])<<4 | strictHex(h[3])
}

// keyIs compares a raw member name with name, an ASCII string. exact
// reports equality; folded reports equality under Unicode case folding (the
// way encoding/json matches struct fields), so callers can refuse
// near-duplicates.
func strictKeyIs(raw []byte, escaped bool, name string) (exact, folded bool, err error) {
	if escaped {
		k, err := strictUnquote(raw, true)
		if err != nil {
			return false, false, err
		}
		return k == name, bytes.EqualFold([]byte(k), []byte(name)), nil
	}
	switch {
	case len(raw) == len(name):
		if string(raw) == name {
			return true, true, nil
		}
	case len(raw) < len(name):
		// The only non-ASCII spellings of ASCII letters under folding (K
		// for k, ſ for s) are longer, never shorter.
		return false, false, nil
	case !strictHasNonASCII(raw):
		// Longer and ASCII: no folding makes it name.
		return false, false, nil
	}
	return false, bytes.EqualFold(raw, []byte(name)), nil
}

func strictHasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// value skips one complete value, validating it.
func (s *strictJSON) value() error {
	switch c := s.peek(); c {
	case '"':
		_, _, err := s.str()
		return err
	case '{':
		return s.container('}')
	case '[':
		return s.container(']')
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			return s.number()
		}
		return errStrictJSON
	}
}

func (s *strictJSON) lit(word string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return errStrictJSON
	}
	s.i += len(word)
	return nil
}

func (s *strictJSON) digits() int {
	n := 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

func (s *strictJSON) number() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	if s.i < len(s.b) && s.b[s.i] == '0' {
		s.i++
	} else if s.digits() == 0 {
		return errStrictJSON
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return errStrictJSON
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return errStrictJSON
		}
	}
	return nil
}

// container skips an object or array.
func (s *strictJSON) container(end byte) error {
	s.i++ // opening delimiter
	if s.depth++; s.depth > strictMaxDepth {
		return errStrictJSON
	}
	defer func() { s.depth-- }()
	if s.eat(end) {
		return nil
	}
	for {
		if end == '}' {
			if _, _, err := s.str(); err != nil {
				return err
			}
			if !s.eat(':') {
				return errStrictJSON
			}
		}
		if err := s.value(); err != nil {
			return err
		}
		if s.eat(',') {
			continue
		}
		if s.eat(end) {
			return nil
		}
		return errStrictJSON
	}
}

// beginObject consumes the '{' of an object; read its members with
// member.
func (s *strictJSON) beginObject() error {
	if !s.eat('{') {
		return errStrictJSON
	}
	if s.depth++; s.depth > strictMaxDepth {
		return errStrictJSON
	}
	return nil
}

// object reads an object, calling fn with each member's raw name (and
// whether it has escapes); fn must consume the member's value. It stops at
// fn's first error.
func (s *strictJSON) object(fn func(raw []byte, escaped bool) error) error {
	if err := s.beginObject(); err != nil {
		return err
	}
	for first := true; ; first = false {
		raw, esc, more, err := s.member(first)
		if err != nil {
			return err
		}
		if !more {
			return nil
		}
		if err := fn(raw, esc); err != nil {
			return err
		}
	}
}

// member reads the next member name of the object begun by beginObject,
// leaving the scanner before its value, which the caller must consume.
// first must be true for the first call. ok is false at the closing '}'.
func (s *strictJSON) member(first bool) (raw []byte, escaped, ok bool, err error) {
	if s.eat('}') {
		s.depth--
		return nil, false, false, nil
	}
	if !first && !s.eat(',') {
		return nil, false, false, errStrictJSON
	}
	raw, escaped, err = s.str() // also refuses a '}' after a ','
	if err != nil {
		return nil, false, false, err
	}
	if !s.eat(':') {
		return nil, false, false, errStrictJSON
	}
	return raw, escaped, true, nil
}
