// Package usersapi holds the Gin handler of the code-review question, as it was asked
// (original.go), and the corrected version (handler.go). handler_test.go has one test per
// finding; each runs both handlers, so it shows the defect and the fix side by side.
package usersapi

import (
	"github.com/gin-gonic/gin"
)

// LegacyRepository is the repository the original handler was written against: it takes the raw
// path text, has no context, and signals "not found" by returning (nil, nil).
type LegacyRepository interface {
	GetUser(id string) (*User, error)
}

// OriginalGetUser is the handler under review, unchanged apart from the repository being passed
// in instead of read from a global.
func OriginalGetUser(repo LegacyRepository) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Param("id")
		user, err := repo.GetUser(id)
		if err != nil {
			c.JSON(500, gin.H{"error": err.Error()})
			return
		}
		if user == nil {
			c.JSON(404, gin.H{"error": "user not found"})
			return
		}
		c.JSON(200, user)
	}
}
