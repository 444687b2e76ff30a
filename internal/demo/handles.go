package demo

// The handle tools: remember mints a handle that carries a text, sealed to
// the caller; recall opens it. Nothing is stored on the server, so any
// replica with the same keys answers recall (see package handle).

import (
	"context"
	"errors"
	"time"

	"github.com/mcpauth/mcpauth/remote/handle"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Names of the handle tools, and the purpose their handles are sealed for.
const (
	ToolRemember = "remember"
	ToolRecall   = "recall"

	// HandlePurpose is the [handle.Config.Purpose] of the demo's handles.
	HandlePurpose = "authkit-demo/remember"
)

// RememberInput is the input of remember.
type RememberInput struct {
	Text string `json:"text" jsonschema:"the text to keep (at most 4096 bytes)"`
}

// RememberOutput is remember's answer.
type RememberOutput struct {
	Handle    string    `json:"handle"`
	ExpiresAt time.Time `json:"expires_at"`
}

// RecallInput is the input of recall.
type RecallInput struct {
	Handle string `json:"handle" jsonschema:"a handle returned by remember"`
}

// RecallOutput is recall's answer.
type RecallOutput struct {
	Text string `json:"text"`
}

// maxRemember bounds what remember keeps.
const maxRemember = 4096

// NewHandleSealer returns a sealer for the demo's handles with keys (see
// [handle.ParseKeys]); without keys it makes a random one, so handles open
// only on this process and until it restarts.
func NewHandleSealer(keys []handle.Key) (*handle.Sealer, error) {
	if len(keys) == 0 {
		keys = []handle.Key{handle.NewKey("process")}
	}
	return handle.New(handle.Config{Keys: keys, Purpose: HandlePurpose, TTL: time.Hour})
}

// addHandleTools adds remember and recall to s, sealing with sealer (nil:
// NewHandleSealer without keys).
func addHandleTools(s *mcp.Server, sealer *handle.Sealer) {
	if sealer == nil {
		var err error
		if sealer, err = NewHandleSealer(nil); err != nil {
			panic(err) // cannot happen: a fresh key is valid
		}
	}
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolRemember,
		Description: "Keeps a short text and returns a handle to pass to recall. The handle opens only for you, through this client, for one hour; the server stores nothing.",
	}, func(ctx context.Context, req *mcp.CallToolRequest, in RememberInput) (*mcp.CallToolResult, RememberOutput, error) {
		caller, ok := handle.CallerFromContext(ctx)
		if !ok {
			return nil, RememberOutput{}, errNoCaller
		}
		if len(in.Text) > maxRemember {
			return nil, RememberOutput{}, errors.New("the text is longer than 4096 bytes")
		}
		h, err := sealer.Seal(caller, []byte(in.Text))
		if err != nil {
			return nil, RememberOutput{}, errors.New("the handle could not be made")
		}
		return nil, RememberOutput{Handle: h, ExpiresAt: time.Now().Add(time.Hour).Truncate(time.Second).UTC()}, nil
	})
	mcp.AddTool(s, &mcp.Tool{
		Name:        ToolRecall,
		Description: "Returns the text of a handle from remember. Only the user and client that got the handle can open it.",
		Annotations: &mcp.ToolAnnotations{ReadOnlyHint: true},
	}, func(ctx context.Context, req *mcp.CallToolRequest, in RecallInput) (*mcp.CallToolResult, RecallOutput, error) {
		caller, ok := handle.CallerFromContext(ctx)
		if !ok {
			return nil, RecallOutput{}, errNoCaller
		}
		v, err := sealer.Open(caller, in.Handle)
		if err != nil {
			return nil, RecallOutput{}, recallError(err)
		}
		return nil, RecallOutput{Text: string(v)}, nil
	})
}

// recallError is the tool error recall answers for an Open failure: what
// the client can do about it, never the handle.
func recallError(err error) error {
	switch {
	case errors.Is(err, handle.ErrOtherCaller):
		return errors.New("this handle belongs to another user or client")
	case errors.Is(err, handle.ErrExpired):
		return errors.New("this handle has expired; call remember again")
	case errors.Is(err, handle.ErrKeyRetired):
		return errors.New("this handle was sealed under a key this server no longer uses; call remember again")
	default:
		return errors.New("this is not a handle from remember")
	}
}
