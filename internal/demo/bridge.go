package demo

import "github.com/modelcontextprotocol/go-sdk/auth"

// claimsOf returns the token's claims carried in the go-sdk TokenInfo.
func claimsOf(ti *auth.TokenInfo) map[string]any {
	if m, ok := ti.Extra["claims"].(map[string]any); ok {
		return m
	}
	return ti.Extra
}
