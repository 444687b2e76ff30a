package strictjson

// This file is the splitting front end, for documents read member by
// member (authorization server metadata, JWKS documents and their keys),
// and the lookup of one string member (a JWT payload's "iss").

// Member is one member of an object: its decoded name and its value as it
// stands in the document (valid JSON, no surrounding white space).
type Member struct {
	Name  string
	Value []byte
}

// Members splits doc, which must hold exactly one object, into its members
// in document order. A name that appears twice (compared after decoding)
// is ErrDuplicate; the whole document is validated, nested values included,
// but only this object's names are compared. Values alias doc.
func Members(doc []byte) ([]Member, error) {
	s := Scanner{b: doc}
	if s.Peek() != '{' {
		return nil, ErrNotObject
	}
	out := []Member{} // empty, not nil, for {}
	var seen map[string]struct{}
	err := s.container(func(name RawString) error {
		k, err := name.Decode()
		if err != nil {
			return err
		}
		if seen == nil {
			seen = make(map[string]struct{})
		}
		if _, dup := seen[k]; dup {
			return ErrDuplicate
		}
		seen[k] = struct{}{}
		v, err := s.Value()
		out = append(out, Member{Name: k, Value: v})
		return err
	})
	if err := s.end(err); err != nil {
		return nil, err
	}
	return out, nil
}

// Lookup returns the value of the member called name, and whether there
// is one.
func Lookup(members []Member, name string) ([]byte, bool) {
	for _, m := range members {
		if m.Name == name {
			return m.Value, true
		}
	}
	return nil, false
}

// Elements splits doc, which must hold exactly one array, into its
// elements. Elements alias doc.
func Elements(doc []byte) ([][]byte, error) {
	s := Scanner{b: doc}
	if s.Peek() != '[' {
		return nil, ErrType
	}
	var out [][]byte
	err := s.container(func(RawString) error {
		v, err := s.Value()
		out = append(out, v)
		return err
	})
	if err := s.end(err); err != nil {
		return nil, err
	}
	return out, nil
}

// Value reads one value, validating it, and returns its text (without
// the white space around it).
func (s *Scanner) Value() ([]byte, error) {
	s.ws()
	start := s.i
	err := s.Skip()
	return s.b[start:s.i], err
}

// String decodes value, which must be a JSON string (ErrType otherwise).
// The result is a copy.
func String(value []byte) (string, error) {
	s := Scanner{b: value}
	if s.Peek() != '"' {
		return "", ErrType
	}
	r, err := s.str()
	if err := s.end(err); err != nil {
		return "", err
	}
	return r.Decode()
}

// Strings decodes value, which must be an array of strings (ErrType
// otherwise).
func Strings(value []byte) ([]string, error) {
	s := Scanner{b: value}
	if s.Peek() != '[' {
		return nil, ErrType
	}
	out := []string{}
	err := s.container(func(RawString) error {
		if s.Peek() != '"' {
			return ErrType
		}
		r, err := s.str()
		if err != nil {
			return err
		}
		str, err := r.Decode()
		out = append(out, str)
		return err
	})
	if err := s.end(err); err != nil {
		return nil, err
	}
	return out, nil
}

// Bool decodes value, which must be true or false (ErrType otherwise).
func Bool(value []byte) (bool, error) {
	switch string(value) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, ErrType
}

// IsNull reports whether value is the literal null.
func IsNull(value []byte) bool { return string(value) == "null" }

// StringMember returns the string member called name (compared after
// decoding, exactly) of doc, which must hold exactly one object; found is
// false when there is none. A second such member is ErrDuplicate, a value
// that is not a string ErrType. It reads without allocating: the other
// members are validated and skipped.
func StringMember(doc []byte, name string) (value RawString, found bool, err error) {
	s := Scanner{b: doc}
	if s.Peek() != '{' {
		return RawString{}, false, ErrNotObject
	}
	err = s.container(func(k RawString) error {
		exact, _, err := k.Match(name)
		if err != nil {
			return err
		}
		if !exact {
			return s.Skip()
		}
		if found {
			return ErrDuplicate
		}
		if s.Peek() != '"' {
			return ErrType
		}
		found = true
		value, err = s.str()
		return err
	})
	if err := s.end(err); err != nil {
		return RawString{}, false, err
	}
	return value, found, nil
}
