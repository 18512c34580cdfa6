package usersapi

import (
	"context"
	"errors"
	"log"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
)

// UserView is what a client may see of a user: no hash, no internal columns.
type UserView struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

func viewOf(u User) UserView {
	return UserView{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, CreatedAt: u.CreatedAt}
}

// RequestIDKey is the gin.Context key of the request id (see RequestID).
const RequestIDKey = "request_id"

// RequestID takes X-Request-Id from the client or makes one, puts it on the context and echoes it.
func RequestID() gin.HandlerFunc {
	var n atomic.Uint64
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = "req-" + strconv.FormatUint(n.Add(1), 10)
		}
		c.Set(RequestIDKey, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// problem writes an RFC 9457 problem+json body that carries the request id, and nothing internal.
func problem(c *gin.Context, status int, detail string) {
	// Set first: Gin's JSON renderer keeps a Content-Type that is already there.
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(status, gin.H{
		"type":       "about:blank",
		"title":      http.StatusText(status),
		"status":     status,
		"detail":     detail,
		"request_id": c.GetString(RequestIDKey),
	})
}

// parseID accepts what GET /api/users/{id} accepts in the C++ service (http::parse_id): a
// positive int64 in canonical decimal, no sign, no leading zero, nothing else.
func parseID(text string) (int64, bool) {
	if text == "" || text[0] < '1' || text[0] > '9' {
		return 0, false
	}
	id, err := strconv.ParseInt(text, 10, 64)
	return id, err == nil && id > 0
}

// GetUser is the corrected handler. It expects the authentication middleware to have put a
// Principal on the context (it answers 401 when there is none), and gives the repository at most
// timeout, bounded also by the client's own context.
func GetUser(repo Repository, timeout time.Duration, logger *log.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		caller, ok := c.Value(PrincipalKey).(Principal)
		if !ok {
			c.Header("WWW-Authenticate", `Bearer realm="users"`)
			problem(c, http.StatusUnauthorized, "Authentication is required.")
			return
		}
		id, ok := parseID(c.Param("id"))
		if !ok {
			problem(c, http.StatusBadRequest, "The id must be a positive whole number.")
			return
		}
		// Someone else's id looks exactly like a missing one, so ids cannot be probed.
		if !caller.Admin && caller.UserID != id {
			problem(c, http.StatusNotFound, "No user with this id.")
			return
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), timeout)
		defer cancel()
		user, err := repo.FindByID(ctx, id)
		switch {
		case err == nil:
			c.JSON(http.StatusOK, viewOf(user))
		case errors.Is(err, ErrNotFound):
			problem(c, http.StatusNotFound, "No user with this id.")
		case errors.Is(err, context.DeadlineExceeded):
			logger.Printf("request_id=%s GET /user/%d: repository timed out after %s: %v",
				c.GetString(RequestIDKey), id, timeout, err)
			c.Header("Retry-After", "1")
			problem(c, http.StatusServiceUnavailable, "The service is busy; try again.")
		default:
			logger.Printf("request_id=%s GET /user/%d: %v", c.GetString(RequestIDKey), id, err)
			problem(c, http.StatusInternalServerError, "Something went wrong on our side.")
		}
	}
}
