// Package strictjson is the one JSON reader for untrusted input in this
// module. Its rule:
//
// A document is one RFC 8259 value in valid UTF-8, nested at most
// [MaxDepth] deep, in which every member the module reads appears once in
// its object and every string it decodes is free of lone surrogates.
//
// encoding/json accepts what the rule refuses (it keeps the last of two
// members, replaces invalid UTF-8 and lone surrogates with U+FFFD), and
// each of those is a way for two readers to see two different values in
// one document: a claim, an issuer, a tool name. One lexer (white space,
// strings with their escapes, numbers, literals, the loop over objects and
// arrays with its depth limit) serves three front ends:
//
//   - [DecodeObject] decodes a whole document into map[string]any, every
//     member read (JOSE headers, claim sets, introspection responses);
//   - [Members], [Elements] and [String], [Strings], [Bool] split a
//     document into raw members and read the ones a caller names
//     (authorization server metadata, JWKS documents and their keys);
//   - [Scanner] walks a document without building values or allocating
//     (JSON-RPC request bodies), and [StringMember] finds one string member
//     that way (a JWT payload's "iss").
//
// A complete use, reading a metadata document:
//
//	members, err := strictjson.Members(body) // duplicates refused
//	if err != nil {
//		return err
//	}
//	raw, ok := strictjson.Lookup(members, "issuer")
//	if !ok {
//		return errors.New("issuer is missing")
//	}
//	issuer, err := strictjson.String(raw) // ErrType unless a string
//
// The package is internal: its errors carry no package prefix, so that the
// caller's own ("remote: ...", "forward: ...") leads.
package strictjson
