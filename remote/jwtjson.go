package remote

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// This file is a strict JSON decoder for JOSE headers, JWT claim sets and
// introspection responses. It produces the same values as encoding/json
// decoding into map[string]any (objects as map[string]any, arrays as []any,
// numbers as float64) but refuses what encoding/json silently accepts:
//
//   - duplicate member names in any object (compared after unescaping), the
//     root of parser-differential attacks where two libraries read
//     different values for the same claim;
//   - invalid UTF-8 and unpaired UTF-16 surrogates in strings, which
//     encoding/json replaces with U+FFFD (and so can turn two different
//     names into one);
//   - nesting deeper than jwtJSONMaxDepth.
//
// It is a single pass over the input without reflection, cheaper than
// encoding/json for the small documents it sees.

// jwtJSONMaxDepth bounds the nesting of arrays and objects.
const jwtJSONMaxDepth = 32

var (
	errJWTJSONSyntax    = errors.New("remote: invalid JSON")
	errJWTJSONDuplicate = errors.New("remote: duplicate JSON member name")
	errJWTJSONDepth     = errors.New("remote: JSON nested too deeply")
	errJWTJSONNotObject = errors.New("remote: JSON value is not an object")
)

type jwtJSONDecoder struct {
	data  []byte
	pos   int
	depth int
}

// jwtDecodeJSONObject decodes data, which must hold exactly one JSON object.
//
// Strings without escapes alias data instead of being copied (one
// allocation less per claim name and value: a third of the allocations of a
// fresh token verification). The caller hands data over: it must be a
// buffer of its own that nothing modifies afterwards. All callers pass the
// fresh result of a base64 decode or of io.ReadAll.
func jwtDecodeJSONObject(data []byte) (map[string]any, error) {
	d := jwtJSONDecoder{data: data}
	d.skipSpace()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return nil, errJWTJSONNotObject
	}
	v, err := d.object()
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, errJWTJSONSyntax
	}
	return v, nil
}

func (d *jwtJSONDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jwtJSONDecoder) value() (any, error) {
	d.skipSpace()
	if d.pos >= len(d.data) {
		return nil, errJWTJSONSyntax
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.string()
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	default:
		return nil, errJWTJSONSyntax
	}
}

func (d *jwtJSONDecoder) literal(lit string) error {
	if len(d.data)-d.pos < len(lit) || string(d.data[d.pos:d.pos+len(lit)]) != lit {
		return errJWTJSONSyntax
	}
	d.pos += len(lit)
	return nil
}

func (d *jwtJSONDecoder) object() (map[string]any, error) {
	d.depth++
	if d.depth > jwtJSONMaxDepth {
		return nil, errJWTJSONDepth
	}
	d.pos++ // '{'
	m := make(map[string]any, 8)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		d.depth--
		return m, nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, errJWTJSONSyntax
		}
		name, err := d.string()
		if err != nil {
			return nil, err
		}
		if _, dup := m[name]; dup {
			return nil, errJWTJSONDuplicate
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, errJWTJSONSyntax
		}
		d.pos++
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		m[name] = v
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, errJWTJSONSyntax
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			d.pos++
			d.depth--
			return m, nil
		default:
			return nil, errJWTJSONSyntax
		}
	}
}

func (d *jwtJSONDecoder) array() ([]any, error) {
	d.depth++
	if d.depth > jwtJSONMaxDepth {
		return nil, errJWTJSONDepth
	}
	d.pos++ // '['
	a := []any{}
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		d.depth--
		return a, nil
	}
	for {
		v, err := d.value()
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, errJWTJSONSyntax
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case ']':
			d.pos++
			d.depth--
			return a, nil
		default:
			return nil, errJWTJSONSyntax
		}
	}
}

// string decodes a JSON string starting at the opening quote.
func (d *jwtJSONDecoder) string() (string, error) {
	d.pos++ // opening quote
	start := d.pos
	// Fast path: printable ASCII without escapes.
	for i := start; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			d.pos = i + 1
			if i == start {
				return "", nil
			}
			return unsafe.String(&d.data[start], i-start), nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	buf := make([]byte, 0, 64)
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			return "", errJWTJSONSyntax
		case c == '\\':
			if i+1 >= len(d.data) {
				return "", errJWTJSONSyntax
			}
			i++
			if b, ok := jsonSimpleEscape(d.data[i]); ok {
				buf = append(buf, b)
				i++
				continue
			}
			switch d.data[i] {
			case 'u':
				r, ok := jwtJSONHex4(d.data, i+1)
				if !ok {
					return "", errJWTJSONSyntax
				}
				i += 5
				if utf16.IsSurrogate(r) {
					// Must be a high surrogate followed by an escaped low one.
					if i+1 >= len(d.data) || d.data[i] != '\\' || d.data[i+1] != 'u' {
						return "", errJWTJSONSyntax
					}
					r2, ok := jwtJSONHex4(d.data, i+2)
					if !ok {
						return "", errJWTJSONSyntax
					}
					dec := utf16.DecodeRune(r, r2)
					if dec == utf8.RuneError {
						return "", errJWTJSONSyntax
					}
					r = dec
					i += 6
				}
				buf = utf8.AppendRune(buf, r)
			default:
				return "", errJWTJSONSyntax
			}
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size <= 1 {
				return "", errJWTJSONSyntax
			}
			buf = append(buf, d.data[i:i+size]...)
			i += size
		}
	}
	return "", errJWTJSONSyntax
}

func jwtJSONHex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return r, true
}

// number decodes a JSON number (RFC 8259 grammar) into a float64. Numbers out
// of float64 range are an error, as with encoding/json.
func (d *jwtJSONDecoder) number() (float64, error) {
	start := d.pos
	i := d.pos
	if i < len(d.data) && d.data[i] == '-' {
		i++
	}
	if i >= len(d.data) {
		return 0, errJWTJSONSyntax
	}
	simple := true // only an integer part
	switch c := d.data[i]; {
	case c == '0':
		i++
	case c >= '1' && c <= '9':
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
	default:
		return 0, errJWTJSONSyntax
	}
	if i < len(d.data) && d.data[i] == '.' {
		simple = false
		i++
		n := i
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
		if i == n {
			return 0, errJWTJSONSyntax
		}
	}
	if i < len(d.data) && (d.data[i] == 'e' || d.data[i] == 'E') {
		simple = false
		i++
		if i < len(d.data) && (d.data[i] == '+' || d.data[i] == '-') {
			i++
		}
		n := i
		for i < len(d.data) && d.data[i] >= '0' && d.data[i] <= '9' {
			i++
		}
		if i == n {
			return 0, errJWTJSONSyntax
		}
	}
	d.pos = i
	text := d.data[start:i]
	// Integers of up to 15 digits are exact in a float64: the common case
	// (NumericDate claims) needs no strconv call and no allocation.
	if simple && len(text) <= 16 {
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
					return jwtNegZero(), nil
				}
				n = -n
			}
			return float64(n), nil
		}
	}
	f, err := strconv.ParseFloat(string(text), 64)
	if err != nil {
		return 0, errJWTJSONSyntax
	}
	return f, nil
}

// jwtNegZero returns -0.0, what strconv (and encoding/json) yield for "-0".
func jwtNegZero() float64 {
	var z float64
	return -z
}
