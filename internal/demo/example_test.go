package demo_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mcpauth/mcpauth/internal/demo"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The demo server's tools, listed over an in-memory transport. Over HTTP,
// serve it behind an mcpauth provider with gosdk.Handler.
func ExampleNewServer() {
	ctx := context.Background()
	serverT, clientT := mcp.NewInMemoryTransports()
	ss, err := demo.NewServer(demo.Options{}).Connect(ctx, serverT, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer ss.Close()

	cs, err := mcp.NewClient(&mcp.Implementation{Name: "example", Version: "1"}, nil).Connect(ctx, clientT, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		log.Fatal(err)
	}
	for _, t := range tools.Tools {
		fmt.Println(t.Name)
	}
	fmt.Println("admin_echo needs", demo.ToolScopes()[demo.ToolAdminEcho])
	// Output:
	// admin_echo
	// echo
	// recall
	// remember
	// whoami
	// admin_echo needs [demo:admin]
}
