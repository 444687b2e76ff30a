package strictjson

// This file is the decoding front end, for JOSE headers, JWT claim sets and
// introspection responses: the values encoding/json produces for
// map[string]any (objects as map[string]any, arrays as []any, numbers as
// float64), with every object's member names checked for duplicates.

import (
	"strconv"
	"unsafe"
)

// DecodeObject decodes data, which must hold exactly one JSON object, under
// the package's rule; every member of every object is read, so a duplicate
// name anywhere is ErrDuplicate.
//
// Strings without escapes alias data instead of being copied (one
// allocation less per claim name and value: a third of the allocations of
// a fresh token verification). The caller hands data over: it must be a
// buffer of its own that nothing modifies afterwards, such as the fresh
// result of a base64 decode or of io.ReadAll.
func DecodeObject(data []byte) (map[string]any, error) {
	s := Scanner{b: data}
	if s.Peek() != '{' {
		return nil, ErrNotObject
	}
	m, err := s.decodeObject()
	if err := s.end(err); err != nil {
		return nil, err
	}
	return m, nil
}

func (s *Scanner) decodeValue() (any, error) {
	switch c := s.Peek(); c {
	case '{':
		return s.decodeObject()
	case '[':
		a := []any{}
		err := s.container(func(RawString) error {
			v, err := s.decodeValue()
			a = append(a, v)
			return err
		})
		return a, err
	case '"':
		r, err := s.str()
		if err != nil {
			return nil, err
		}
		return r.alias()
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	case 'n':
		return nil, s.literal("null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			return s.decodeNumber()
		}
		return nil, ErrSyntax
	}
}

func (s *Scanner) decodeObject() (map[string]any, error) {
	m := make(map[string]any, 8)
	err := s.container(func(name RawString) error {
		k, err := name.alias()
		if err != nil {
			return err
		}
		if _, dup := m[k]; dup {
			return ErrDuplicate
		}
		v, err := s.decodeValue()
		m[k] = v
		return err
	})
	return m, err
}

// alias returns the decoded string, sharing the input's bytes when there
// is nothing to decode.
func (r RawString) alias() (string, error) {
	if r.escaped {
		return unquote(r.raw)
	}
	if len(r.raw) == 0 {
		return "", nil
	}
	return unsafe.String(&r.raw[0], len(r.raw)), nil
}

// decodeNumber reads a number into a float64. Numbers out of float64 range
// are an error, as with encoding/json.
func (s *Scanner) decodeNumber() (float64, error) {
	start := s.i
	integer, err := s.number()
	if err != nil {
		return 0, err
	}
	text := s.b[start:s.i]
	// Integers of up to 15 digits are exact in a float64: the common case
	// (NumericDate claims) needs no strconv call and no allocation.
	if integer {
		neg := text[0] == '-'
		digits := text
		if neg {
			digits = text[1:]
		}
		if len(digits) <= 15 {
			var n int64
			for _, c := range digits {
				n = n*10 + int64(c-'0')
			}
			if neg {
				if n == 0 {
					return negZero(), nil
				}
				n = -n
			}
			return float64(n), nil
		}
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return 0, ErrSyntax
	}
	return f, nil
}

// negZero returns -0.0, what strconv (and encoding/json) yield for "-0".
func negZero() float64 {
	var z float64
	return -z
}
