package authkit

import (
	"slices"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		envDomain:         " my-app.authkit.app ",
		envBaseURL:        "https://mcp.example.com",
		envRequiredScopes: "mcp:read, mcp:write,,",
		envClientID:       "client_01ENV",
		envWorkOSAPIKey:   "sk_test_env",
	}
	cfg := ConfigFromEnv(func(k string) string { return env[k] })
	if cfg.Domain != "my-app.authkit.app" || cfg.BaseURL != "https://mcp.example.com" {
		t.Errorf("Domain, BaseURL = %q, %q", cfg.Domain, cfg.BaseURL)
	}
	if !slices.Equal(cfg.RequiredScopes, []string{"mcp:read", "mcp:write"}) {
		t.Errorf("RequiredScopes = %q", cfg.RequiredScopes)
	}
	if !slices.Equal(cfg.ExtraAudiences, []string{"client_01ENV"}) {
		t.Errorf("ExtraAudiences = %q", cfg.ExtraAudiences)
	}
	if cfg.WorkOS == nil || cfg.WorkOS.APIKey != "sk_test_env" || cfg.WorkOS.HTTPClient == nil {
		t.Errorf("WorkOS client = %+v", cfg.WorkOS)
	}

	empty := ConfigFromEnv(func(string) string { return "" })
	if empty.RequiredScopes != nil || empty.ExtraAudiences != nil || empty.WorkOS != nil {
		t.Errorf("optional values set from an empty environment: %+v", empty)
	}
}
