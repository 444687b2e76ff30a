package demo

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/mcpauth/mcpauth/remote"
)

// FuzzCallerFromClaims: whoami reads (through authkit.ClaimsFromContext)
// optional claims of any JSON shape (a JWT template can put anything there)
// without panicking, and only ever reports strings from them.
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
		ctx := remote.ContextWithTokenInfo(context.Background(), &remote.TokenInfo{Subject: "user_1", Claims: claims})
		c, ok := callerFrom(ctx)
		if !ok || c.UserID != "user_1" || c.Scopes == nil {
			t.Fatalf("caller = %+v, %v", c, ok)
		}
		if _, err := json.Marshal(c); err != nil {
			t.Fatalf("caller not encodable: %v", err)
		}
	})
}
