package handle_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/mcpauth/mcpauth/remote/handle"
)

func Example() {
	// From configuration in production (handle.ParseKeys); the same keys on
	// every replica.
	keys := []handle.Key{handle.NewKey("k1")}
	replicaA := handle.MustNew(handle.Config{Keys: keys, Purpose: "notes", TTL: 10 * time.Minute})
	replicaB := handle.MustNew(handle.Config{Keys: keys, Purpose: "notes", TTL: 10 * time.Minute})

	alice := handle.Caller{Issuer: "https://example.authkit.app", Subject: "user_alice", ClientID: "client_desktop"}
	bob := handle.Caller{Issuer: "https://example.authkit.app", Subject: "user_bob", ClientID: "client_desktop"}

	h, err := replicaA.Seal(alice, []byte("draft #42"))
	if err != nil {
		panic(err)
	}
	v, err := replicaB.Open(alice, h)
	fmt.Printf("alice on replica B: %q %v\n", v, err)

	_, err = replicaB.Open(bob, h)
	fmt.Println("bob:", errors.Is(err, handle.ErrOtherCaller))

	alicePhone := alice
	alicePhone.ClientID = "client_phone"
	_, err = replicaB.Open(alicePhone, h)
	fmt.Println("alice through another client:", errors.Is(err, handle.ErrOtherCaller))
	// Output:
	// alice on replica B: "draft #42" <nil>
	// bob: true
	// alice through another client: true
}

func ExampleParseKeys() {
	// MCP_HANDLE_KEYS="k2:$(openssl rand -base64 32),k1:<the previous key>"
	keys, err := handle.ParseKeys("k2:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=, k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=")
	fmt.Println(len(keys), keys[0].ID, keys[1].ID, err)
	_, err = handle.ParseKeys("k1:c2VjcmV0")
	fmt.Println(err)
	// Output:
	// 2 k2 k1 <nil>
	// handle: key 1 ("k1"): the secret must be 32 bytes in standard Base64, e.g. from `openssl rand -base64 32`
}
