package strictjson_test

import (
	"errors"
	"fmt"

	"github.com/mcpauth/mcpauth/internal/strictjson"
)

func ExampleMembers() {
	body := []byte(`{"issuer":"https:\/\/example.authkit.app","response_types_supported":["code"]}`)
	members, err := strictjson.Members(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	raw, _ := strictjson.Lookup(members, "issuer")
	issuer, err := strictjson.String(raw)
	fmt.Println(issuer, err)

	_, err = strictjson.Members([]byte(`{"issuer":"https://evil.example","issuer":"https://example.authkit.app"}`))
	fmt.Println(errors.Is(err, strictjson.ErrDuplicate))
	// Output:
	// https://example.authkit.app <nil>
	// true
}

func ExampleDecodeObject() {
	claims, err := strictjson.DecodeObject([]byte(`{"sub":"user_01","exp":1767225600,"aud":["a","b"]}`))
	fmt.Println(claims["sub"], claims["exp"], claims["aud"], err)
	// Output: user_01 1.7672256e+09 [a b] <nil>
}

func ExampleScanner() {
	s := strictjson.NewScanner([]byte(`{"method":"tools/call","params":{"name":"echo"}}`))
	err := s.Object(func(name strictjson.RawString) error {
		if exact, _, _ := name.Match("method"); !exact {
			return s.Skip()
		}
		method, err := s.String()
		fmt.Printf("method %s\n", method.Bytes())
		return err
	})
	fmt.Println(err, s.AtEnd())
	// Output:
	// method tools/call
	// <nil> true
}
