// Command concert serves GET /api/concerts/{id} the way a typical Go service would: net/http,
// database/sql with the go-sql-driver/mysql driver, one prepared statement, encoding/json.
// It is the mainstream-stack reference for the "concert" section of scripts/bench.sh: the same
// read as tiket-api's uncached detail (the same LEFT JOIN, the same pool size, the same JSON,
// byte for byte, for a published concert), and nothing else.
//
// Usage: DATABASE_URL=mysql://user:pass@host:port/db PORT=8081 DB_POOL_SIZE=8 concert
package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Fields in the order tiket-api writes them (nlohmann::json sorts object keys).
type ticketType struct {
	Available    int64  `json:"available"`
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	PerUserLimit *int64 `json:"per_user_limit"`
	Price        int64  `json:"price"`
	Quota        int64  `json:"quota"`
}

type concert struct {
	Artist      string       `json:"artist"`
	City        string       `json:"city"`
	ID          int64        `json:"id"`
	MinPrice    *int64       `json:"min_price"`
	OrganizerID int64        `json:"organizer_id"`
	StartsAt    string       `json:"starts_at"`
	Status      string       `json:"status"`
	TicketTypes []ticketType `json:"ticket_types"`
	Title       string       `json:"title"`
	Venue       string       `json:"venue"`
}

const detailQuery = `SELECT c.id, c.organizer_id, c.title, c.artist, c.venue, c.city, c.starts_at,
  c.status, c.min_price, t.id, t.name, t.price, t.quota, t.available, t.per_user_limit
FROM concerts c LEFT JOIN ticket_types t ON t.concert_id = c.id
WHERE c.id = ? ORDER BY t.id`

var errNotFound = errors.New("not found")

type server struct {
	detail *sql.Stmt
}

func (s *server) find(id int64) (*concert, error) {
	rows, err := s.detail.Query(id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var c *concert
	for rows.Next() {
		var row concert
		var startsAt time.Time
		var typeID, price, quota, available, limit sql.NullInt64
		var name sql.NullString
		var minPrice sql.NullInt64
		if err := rows.Scan(&row.ID, &row.OrganizerID, &row.Title, &row.Artist, &row.Venue,
			&row.City, &startsAt, &row.Status, &minPrice, &typeID, &name, &price, &quota,
			&available, &limit); err != nil {
			return nil, err
		}
		if c == nil {
			row.StartsAt = rfc3339(startsAt)
			row.MinPrice = optional(minPrice)
			row.TicketTypes = []ticketType{}
			c = &row
		}
		if typeID.Valid {
			c.TicketTypes = append(c.TicketTypes, ticketType{
				Available: available.Int64, ID: typeID.Int64, Name: name.String,
				PerUserLimit: optional(limit), Price: price.Int64, Quota: quota.Int64,
			})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if c == nil {
		return nil, errNotFound
	}
	return c, nil
}

// As tiket-api writes timestamps: seconds, plus six digits of microseconds when not zero.
func rfc3339(t time.Time) string {
	if t.Nanosecond() == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format("2006-01-02T15:04:05.000000Z")
}

func optional(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	return &v.Int64
}

func (s *server) concert(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.URL.Path, "/api/concerts/"), 10, 64)
	if r.Method != http.MethodGet || err != nil || id < 1 {
		problem(w, http.StatusNotFound, "Not Found")
		return
	}
	c, err := s.find(id)
	if errors.Is(err, errNotFound) || (err == nil && c.Status != "published") {
		problem(w, http.StatusNotFound, "No concert with this id.")
		return
	}
	if err != nil {
		log.Printf("concert %d: %v", id, err)
		problem(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	var body bytes.Buffer
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false) // like nlohmann::json: "<" stays "<"
	if err := enc.Encode(c); err != nil {
		problem(w, http.StatusInternalServerError, "Internal error.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(bytes.TrimSuffix(body.Bytes(), []byte("\n")))
}

func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"title": http.StatusText(status), "status": status, "detail": detail,
	})
}

// mysql://user:pass@host:port/db, as tiket-api reads DATABASE_URL.
func dsn(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "mysql" {
		return "", fmt.Errorf("DATABASE_URL must look like mysql://user:pass@host:port/db")
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	return cfg.FormatDSN(), nil
}

func main() {
	source, err := dsn(os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	poolSize := 8 // tiket-api's DB_POOL_SIZE default
	if v := os.Getenv("DB_POOL_SIZE"); v != "" {
		if poolSize, err = strconv.Atoi(v); err != nil || poolSize < 1 {
			log.Fatal("DB_POOL_SIZE must be a positive whole number")
		}
	}
	db, err := sql.Open("mysql", source)
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	stmt, err := db.Prepare(detailQuery)
	if err != nil {
		log.Fatal(err)
	}
	s := &server{detail: stmt}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/concerts/", s.concert)

	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", os.Getenv("PORT")))
	if err != nil {
		log.Fatal(err)
	}
	// The port on stdout, as tiket-api logs it, for PORT=0 (the kernel picks a free one).
	fmt.Printf("listening on %d\n", ln.Addr().(*net.TCPAddr).Port)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}
