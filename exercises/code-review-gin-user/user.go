package usersapi

import (
	"context"
	"errors"
	"time"
)

// User is the stored row, secrets included; it is never written to a response as it is.
type User struct {
	ID           int64     `json:"id"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         string    `json:"role"`
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
}

// ErrNotFound is the one way a Repository says "no such user"; every other error is a failure.
var ErrNotFound = errors.New("user not found")

// Repository is what the corrected handler needs: a typed id and the request's context, so that a
// slow query is abandoned when the deadline passes or the client goes away.
type Repository interface {
	FindByID(ctx context.Context, id int64) (User, error)
}

// Principal is who is calling, as the authentication middleware (a verified JWT) put it on the
// context under PrincipalKey.
type Principal struct {
	UserID int64
	Admin  bool
}

// PrincipalKey is the gin.Context key of the caller's Principal.
const PrincipalKey = "principal"
