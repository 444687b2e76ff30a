module github.com/mcpauth/mcpauth

go 1.25.0

require (
	github.com/hashicorp/go-retryablehttp v0.7.8
	github.com/workos/workos-go/v4 v4.46.1
	golang.org/x/sync v0.20.0
)

require (
	github.com/google/go-querystring v1.0.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
