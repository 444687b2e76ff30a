package authkittest

import "time"

// The fake's own checks, for its tests (the external test package).

// Verify is [Server.verify].
func (s *Server) Verify(token string) (map[string]any, error) { return s.verify(token) }

var (
	ErrInvalidToken = errInvalidToken
	ErrExpiredToken = errExpiredToken
)

// CodeLifetime is how long an authorization code can be redeemed.
const CodeLifetime time.Duration = codeLifetime
