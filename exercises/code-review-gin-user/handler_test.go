package usersapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// The repositories below stand in for the database: the findings are about the handler.

var alice = User{ID: 7, Email: "alice@example.com", Name: "Alice", Role: "customer",
	PasswordHash: "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", CreatedAt: time.Unix(1700000000, 0).UTC()}
var bob = User{ID: 8, Email: "bob@example.com", Name: "Bob", Role: "customer",
	PasswordHash: "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$Ym9i", CreatedAt: time.Unix(1700000000, 0).UTC()}

// legacyRepo follows the original convention: (nil, nil) for "not found"... unless configured
// like a driver that returns its own not-found error, as database/sql's Row.Scan does.
type legacyRepo struct {
	err           error
	noRowsAsError bool
	seen          []string
}

func (r *legacyRepo) GetUser(id string) (*User, error) {
	r.seen = append(r.seen, id)
	if r.err != nil {
		return nil, r.err
	}
	for _, u := range []User{alice, bob} {
		if id == strconv.FormatInt(u.ID, 10) {
			u := u
			return &u, nil
		}
	}
	if r.noRowsAsError {
		return nil, errors.New("sql: no rows in result set")
	}
	return nil, nil
}

type repo struct {
	err    error
	block  bool // wait for the context instead of answering
	calls  int
	ctxErr error
}

func (r *repo) FindByID(ctx context.Context, id int64) (User, error) {
	r.calls++
	if r.block {
		<-ctx.Done()
		r.ctxErr = ctx.Err()
		return User{}, ctx.Err()
	}
	if r.err != nil {
		return User{}, r.err
	}
	for _, u := range []User{alice, bob} {
		if u.ID == id {
			return u, nil
		}
	}
	return User{}, ErrNotFound
}

// as is a stand-in for the JWT middleware: it puts a verified caller on the context.
func as(p *Principal) gin.HandlerFunc {
	return func(c *gin.Context) {
		if p != nil {
			c.Set(PrincipalKey, *p)
		}
		c.Next()
	}
}

var (
	asAlice = &Principal{UserID: alice.ID}
	asAdmin = &Principal{UserID: 1, Admin: true}
)

func init() { gin.SetMode(gin.TestMode) }

func serveOriginal(r LegacyRepository, path string) *httptest.ResponseRecorder {
	e := gin.New()
	e.GET("/user/:id", OriginalGetUser(r))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
	return w
}

func serveFixed(r Repository, caller *Principal, path string, logs *bytes.Buffer, timeout time.Duration) *httptest.ResponseRecorder {
	e := gin.New()
	e.Use(RequestID())
	e.GET("/user/:id", as(caller), GetUser(r, timeout, log.New(logs, "", 0)))
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("X-Request-Id", "rid-42")
	e.ServeHTTP(w, req)
	return w
}

func decode(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body is not JSON: %q", w.Body.String())
	}
	return body
}

func expectProblem(t *testing.T, w *httptest.ResponseRecorder, status int) map[string]any {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want application/problem+json", ct)
	}
	body := decode(t, w)
	if body["request_id"] != "rid-42" {
		t.Errorf("request_id %v, want rid-42", body["request_id"])
	}
	return body
}

// Finding 1: the id is not validated; the raw text reaches the repository.
func TestFinding1_IdIsValidated(t *testing.T) {
	legacy := &legacyRepo{}
	if w := serveOriginal(legacy, "/user/abc"); w.Code != 404 || len(legacy.seen) != 1 || legacy.seen[0] != "abc" {
		t.Errorf("original: want the raw 'abc' passed to the repository, got %v (status %d)", legacy.seen, w.Code)
	}
	for _, bad := range []string{"abc", "0", "-1", "01", "1.5", "7%20", "99999999999999999999"} {
		r := &repo{}
		w := serveFixed(r, asAdmin, "/user/"+bad, &bytes.Buffer{}, time.Second)
		expectProblem(t, w, http.StatusBadRequest)
		if r.calls != 0 {
			t.Errorf("%q reached the repository", bad)
		}
	}
}

// Finding 2: every error is a 500 that leaks the error text, is not logged and has no request id.
func TestFinding2_ErrorsAreLoggedWithTheRequestIdAndNotLeaked(t *testing.T) {
	dbErr := errors.New("dial tcp 10.0.3.7:3306: connect: connection refused")
	w := serveOriginal(&legacyRepo{err: dbErr}, "/user/7")
	if w.Code != 500 || !strings.Contains(w.Body.String(), "10.0.3.7:3306") {
		t.Errorf("original: want a 500 that leaks the DB address, got %d %s", w.Code, w.Body.String())
	}
	var logs bytes.Buffer
	w = serveFixed(&repo{err: dbErr}, asAdmin, "/user/7", &logs, time.Second)
	body := expectProblem(t, w, http.StatusInternalServerError)
	if strings.Contains(w.Body.String(), "10.0.3.7") || strings.Contains(w.Body.String(), "refused") {
		t.Errorf("the response leaks the error: %s", w.Body.String())
	}
	if w.Header().Get("X-Request-Id") != "rid-42" || body["request_id"] != "rid-42" {
		t.Errorf("no request id to quote to support: %v", body)
	}
	if !strings.Contains(logs.String(), "request_id=rid-42") || !strings.Contains(logs.String(), "connection refused") {
		t.Errorf("the error was not logged with its request id: %q", logs.String())
	}
}

// Finding 3: "not found" is `user == nil` after the error check, so it depends on the repository's
// convention: a repository that reports a missing row as an error turns a 404 into a 500.
func TestFinding3_NotFoundIsATypedErrorNotANilUser(t *testing.T) {
	if w := serveOriginal(&legacyRepo{noRowsAsError: true}, "/user/99"); w.Code != 500 {
		t.Errorf("original: want a missing user to become 500 with such a repository, got %d", w.Code)
	}
	var logs bytes.Buffer
	w := serveFixed(&repo{}, asAdmin, "/user/99", &logs, time.Second)
	expectProblem(t, w, http.StatusNotFound)
	if logs.Len() != 0 {
		t.Errorf("a 404 is not an error to log: %q", logs.String())
	}
	// Wrapped is still not-found: errors.Is, not ==.
	w = serveFixed(&repo{err: fmt.Errorf("users: find 99: %w", ErrNotFound)}, asAdmin, "/user/99", &logs, time.Second)
	expectProblem(t, w, http.StatusNotFound)
}

// Finding 4: no authorization; anyone, even without a token, reads any user.
func TestFinding4_OnlyTheUserOrAnAdminReadsAUser(t *testing.T) {
	if w := serveOriginal(&legacyRepo{}, "/user/8"); w.Code != 200 || !strings.Contains(w.Body.String(), "bob@example.com") {
		t.Errorf("original: want Bob readable by an anonymous caller, got %d", w.Code)
	}
	var logs bytes.Buffer
	w := serveFixed(&repo{}, nil, "/user/8", &logs, time.Second)
	expectProblem(t, w, http.StatusUnauthorized)
	hidden := expectProblem(t, serveFixed(&repo{}, asAlice, "/user/8", &logs, time.Second), http.StatusNotFound)
	missing := expectProblem(t, serveFixed(&repo{}, asAlice, "/user/99", &logs, time.Second), http.StatusNotFound)
	if hidden["detail"] != missing["detail"] {
		t.Errorf("another user's id must look like a missing one: %v vs %v", hidden, missing)
	}
	if w := serveFixed(&repo{}, asAlice, "/user/7", &logs, time.Second); w.Code != 200 {
		t.Errorf("Alice reads herself: %d", w.Code)
	}
	if w := serveFixed(&repo{}, asAdmin, "/user/8", &logs, time.Second); w.Code != 200 {
		t.Errorf("an admin reads Bob: %d", w.Code)
	}
}

// Finding 5: no timeout and no context: a stuck query holds the request (and a connection)
// forever, and a client that gave up is not noticed. The fixed handler passes the request's
// context with a deadline; the repository sees it expire and the client gets a 503.
func TestFinding5_TheRepositoryGetsAContextWithADeadline(t *testing.T) {
	r := &repo{block: true}
	var logs bytes.Buffer
	done := make(chan *httptest.ResponseRecorder, 1)
	go func() { done <- serveFixed(r, asAdmin, "/user/7", &logs, 50*time.Millisecond) }()
	select {
	case w := <-done:
		expectProblem(t, w, http.StatusServiceUnavailable)
		if w.Header().Get("Retry-After") == "" {
			t.Error("a 503 says when to retry")
		}
	case <-time.After(10 * time.Second): // bounded patience; the deadline is 50 ms
		t.Fatal("the handler did not give up on a stuck repository")
	}
	if !errors.Is(r.ctxErr, context.DeadlineExceeded) {
		t.Errorf("the repository's context ended with %v, want DeadlineExceeded", r.ctxErr)
	}
	if !strings.Contains(logs.String(), "timed out") {
		t.Errorf("the timeout was not logged: %q", logs.String())
	}
}

// Finding 6: the whole struct is serialised, password hash included.
func TestFinding6_TheHashIsNeverSerialised(t *testing.T) {
	w := serveOriginal(&legacyRepo{}, "/user/7")
	if !strings.Contains(w.Body.String(), "password_hash") || !strings.Contains(w.Body.String(), "$argon2id$") {
		t.Errorf("original: want the hash in the body, got %s", w.Body.String())
	}
	w = serveFixed(&repo{}, asAlice, "/user/7", &bytes.Buffer{}, time.Second)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	body := decode(t, w)
	if _, leaked := body["password_hash"]; leaked || strings.Contains(w.Body.String(), "argon2") {
		t.Errorf("the hash leaked: %s", w.Body.String())
	}
	for _, k := range []string{"id", "email", "name", "role", "created_at"} {
		if _, ok := body[k]; !ok {
			t.Errorf("missing %q in %s", k, w.Body.String())
		}
	}
}
