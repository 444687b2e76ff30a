package demo

import (
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/auth"
)

// FuzzCallerFromClaims: whoami reads (through authkit.ClaimsFromMap) optional claims of any JSON shape
// (a JWT template can put anything there) without panicking, and only ever
// reports strings from them.
func FuzzCallerFromClaims(f *testing.F) {
	f.Add(`{"sub":"user_1","org_id":"org_1","permissions":["a","b"],"roles":["admin"],"client_id":"client_1"}`)
	f.Add(`{"sub":"user_1","org_id":1,"permissions":"a b","roles":[1,null,{"x":1}],"role":["r"],"azp":"client_2"}`)
	f.Add(`{"permissions":null,"role":"member"}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, claimsJSON string) {
		var claims map[string]any
		if json.Unmarshal([]byte(claimsJSON), &claims) != nil {
			return
		}
		c := callerFromTokenInfo(&auth.TokenInfo{UserID: "user_1", Extra: claims})
		if c.UserID != "user_1" || c.Scopes == nil {
			t.Fatalf("caller = %+v", c)
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("caller not encodable: %v", err)
		}
	})
}
