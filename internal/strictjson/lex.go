package strictjson

// This file is the lexer every front end of the package shares: white
// space, strings (escapes checked, UTF-8 validated), numbers, literals, and
// one loop for objects and arrays under one depth limit.

import (
	"bytes"
	"errors"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects in every document the
// module reads, like the go-sdk's own JSON reader (so no MCP request it
// would serve is refused here for its depth).
const MaxDepth = 1000

// The package's errors. They carry no package prefix: callers wrap them in
// their own ("remote: introspection response: duplicate JSON member name").
var (
	ErrSyntax    = errors.New("invalid JSON")
	ErrDuplicate = errors.New("duplicate JSON member name")
	ErrDepth     = errors.New("JSON nested too deeply")
	ErrNotObject = errors.New("JSON value is not an object")
	ErrType      = errors.New("JSON value has the wrong type")
)

// Scanner reads a document value by value without building any: the
// allocation-free front end. Create one with [NewScanner] (a value, so it
// lives on the caller's stack) and use it through a pointer.
type Scanner struct {
	b     []byte
	i     int
	depth int
}

// NewScanner returns a Scanner at the start of b. Strings it returns alias
// b.
func NewScanner(b []byte) Scanner { return Scanner{b: b} }

func (s *Scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// Peek returns the first byte of the next value (after white space), or 0
// at the end of the input.
func (s *Scanner) Peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

func (s *Scanner) eat(c byte) bool {
	if s.Peek() == c {
		s.i++
		return true
	}
	return false
}

// AtEnd reports whether only white space remains.
func (s *Scanner) AtEnd() bool {
	s.ws()
	return s.i == len(s.b)
}

// end is err, or ErrSyntax when anything but white space follows the
// document read: the last step of every front end.
func (s *Scanner) end(err error) error {
	if err == nil && !s.AtEnd() {
		return ErrSyntax
	}
	return err
}

// RawString is a string as it stands in the input, between its quotes:
// escapes checked but not decoded, UTF-8 valid.
type RawString struct {
	raw     []byte
	escaped bool
}

// Bytes returns the string's contents as they stand in the input.
func (r RawString) Bytes() []byte { return r.raw }

// Escaped reports whether the contents hold an escape sequence (when not,
// Bytes is the decoded string).
func (r RawString) Escaped() bool { return r.escaped }

// Decode returns the decoded string. A lone UTF-16 surrogate escape is
// ErrSyntax: decoders disagree on it (encoding/json writes U+FFFD), so
// two different names could read as one.
func (r RawString) Decode() (string, error) {
	if !r.escaped {
		return string(r.raw), nil
	}
	return unquote(r.raw)
}

// Match compares r with name, an ASCII string. exact reports equality
// after decoding; folded equality under Unicode case folding (the way
// encoding/json matches struct fields), so callers can refuse
// near-duplicates.
func (r RawString) Match(name string) (exact, folded bool, err error) {
	raw := r.raw
	if r.escaped {
		k, err := unquote(raw)
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
	case !hasNonASCII(raw):
		// Longer and ASCII: no folding makes it name.
		return false, false, nil
	}
	return false, bytes.EqualFold(raw, []byte(name)), nil
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// plain marks the bytes a string holds as themselves: printable ASCII
// other than '"' and '\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// String reads a string.
func (s *Scanner) String() (RawString, error) {
	if s.Peek() != '"' {
		return RawString{}, ErrSyntax
	}
	return s.str()
}

// str reads the string whose opening quote is at s.i.
func (s *Scanner) str() (RawString, error) {
	b := s.b
	i := s.i + 1
	start := i
	escaped := false
	for {
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			return RawString{}, ErrSyntax
		}
		switch c := b[i]; {
		case c == '"':
			s.i = i + 1
			return RawString{raw: b[start:i], escaped: escaped}, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				return RawString{}, ErrSyntax
			}
			if _, ok := simpleEscape(b[i+1]); ok {
				i += 2
				continue
			}
			if b[i+1] != 'u' || i+6 > len(b) || hex4(b[i+2:i+6]) < 0 {
				return RawString{}, ErrSyntax
			}
			i += 6
		case c < 0x20:
			return RawString{}, ErrSyntax
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				return RawString{}, ErrSyntax
			}
			i += size
		}
	}
}

// simpleEscape returns the byte a one-character escape (\" \\ \/ \b \f \n
// \r \t) stands for; ok is false for anything else (\u or invalid).
func simpleEscape(c byte) (byte, bool) {
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

// hex4 decodes four hex digits, or returns -1.
func hex4(h []byte) rune {
	var r rune
	for _, c := range h {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return -1
		}
	}
	return r
}

// unquote decodes the contents of a string str validated. It refuses lone
// surrogates.
func unquote(raw []byte) (string, error) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if b, ok := simpleEscape(raw[i+1]); ok {
			out = append(out, b)
			i += 2
			continue
		}
		r := hex4(raw[i+2 : i+6]) // \u, validated by str
		i += 6
		if utf16.IsSurrogate(r) {
			// Must be a high surrogate followed by an escaped low one.
			if r >= 0xdc00 || i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
				return "", ErrSyntax
			}
			r = utf16.DecodeRune(r, hex4(raw[i+2:i+6]))
			if r == utf8.RuneError {
				return "", ErrSyntax
			}
			i += 6
		}
		out = utf8.AppendRune(out, r)
	}
	return string(out), nil
}

// number reads a number (RFC 8259 grammar) and reports whether it is an
// integer (no fraction, no exponent).
func (s *Scanner) number() (integer bool, err error) {
	b := s.b
	i := s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits(b, &i) == 0:
		return false, ErrSyntax
	}
	integer = true
	if i < len(b) && b[i] == '.' {
		integer = false
		i++
		if digits(b, &i) == 0 {
			return false, ErrSyntax
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		integer = false
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits(b, &i) == 0 {
			return false, ErrSyntax
		}
	}
	s.i = i
	return integer, nil
}

func digits(b []byte, i *int) int {
	n := 0
	for *i < len(b) && '0' <= b[*i] && b[*i] <= '9' {
		*i++
		n++
	}
	return n
}

func (s *Scanner) literal(word string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return ErrSyntax
	}
	s.i += len(word)
	return nil
}

// Skip reads one complete value, validating it.
func (s *Scanner) Skip() error {
	switch c := s.Peek(); c {
	case '"':
		_, err := s.str()
		return err
	case '{', '[':
		return s.container(nil)
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			_, err := s.number()
			return err
		}
		return ErrSyntax
	}
}

// Object reads an object, calling fn with each member's name; fn must read
// the member's value (with Skip, String, Object, ...). It stops at fn's
// first error.
func (s *Scanner) Object(fn func(name RawString) error) error {
	if s.Peek() != '{' {
		return ErrSyntax
	}
	return s.container(fn)
}

// Array reads an array, calling fn for each element; fn must read it.
func (s *Scanner) Array(fn func() error) error {
	if s.Peek() != '[' {
		return ErrSyntax
	}
	return s.container(func(RawString) error { return fn() })
}

// container reads the object or array whose opening delimiter is at s.i:
// the one loop behind every object and array any front end reads. For an
// object it reads each member's name and calls fn with it; for an array it
// calls fn with the zero RawString. A nil fn skips the values.
func (s *Scanner) container(fn func(RawString) error) error {
	end := byte(']')
	if s.b[s.i] == '{' {
		end = '}'
	}
	s.i++
	if s.depth++; s.depth > MaxDepth {
		return ErrDepth
	}
	if s.eat(end) {
		s.depth--
		return nil
	}
	for {
		var name RawString
		if end == '}' {
			if s.Peek() != '"' { // also refuses a '}' after a ','
				return ErrSyntax
			}
			var err error
			if name, err = s.str(); err != nil {
				return err
			}
			if !s.eat(':') {
				return ErrSyntax
			}
		}
		var err error
		if fn == nil {
			err = s.Skip()
		} else {
			err = fn(name)
		}
		if err != nil {
			return err
		}
		if s.eat(',') {
			continue
		}
		if s.eat(end) {
			s.depth--
			return nil
		}
		return ErrSyntax
	}
}
