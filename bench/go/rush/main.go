// Command rush is the load generator of the rush section of scripts/bench.sh (issue 13, ADR
// 0018): buyers arriving on a schedule, each sending one POST /api/bookings with its own
// Idempotency-Key and repeating it only after a 503 with Retry-After. Standard library only.
//
// It speaks HTTP/1.1 over its own keep-alive connections: each of `sockets` connections is one
// goroutine that takes the next request from one FIFO queue, writes bytes prepared up front
// and reads the answer (status line, Content-Length, Retry-After). That keeps the generator's
// own cost per request to a few microseconds, so that on a 2-core box it does not bury the
// latencies it measures under its own queueing (the Node client it replaced had a p99 of 50 ms
// against a server that answers at once).
//
//	rush run CONFIG_JSON
//	  CONFIG_JSON: {url, tokens_file, concert, types: [{id, weight}], seconds, sockets,
//	  max_retries, key_prefix, seed}. Buyer i (line i of tokens_file) arrives at its scheduled
//	  time: half of the buyers in the first 5 s (uniformly), the rest uniformly over the other
//	  seconds; 1-4 seats of one ticket type chosen by weight. Prints one JSON line (see result).
//	rush sink
//	  A stand-in server that answers every request at once with a 409 problem body; prints
//	  "sink listening on PORT". Shows what the generator measures against a free server.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	frontSeconds   = 5                // half of the buyers arrive in this window
	requestTimeout = 30 * time.Second // per answer
	drain          = 60 * time.Second // after the last arrival, give up on what is still open
)

type ticketType struct {
	ID     int64 `json:"id"`
	Weight int64 `json:"weight"`
}

type config struct {
	URL        string       `json:"url"`
	TokensFile string       `json:"tokens_file"`
	Concert    int64        `json:"concert"`
	Types      []ticketType `json:"types"`
	Seconds    float64      `json:"seconds"`
	Sockets    int          `json:"sockets"`
	MaxRetries int          `json:"max_retries"`
	KeyPrefix  string       `json:"key_prefix"`
	Seed       uint32       `json:"seed"`
}

type buyer struct {
	at       time.Duration // scheduled arrival after the start
	request  []byte        // the whole HTTP request, written as is
	attempts int
}

// mulberry32, as the Node driver had it: a seed gives the same buyers every run.
type rng struct{ a uint32 }

func (r *rng) next() float64 {
	r.a += 0x6d2b79f5
	t := r.a
	t = (t ^ (t >> 15)) * (t | 1)
	t ^= t + (t^(t>>7))*(t|61)
	return float64(t^(t>>14)) / 4294967296
}

func arrival(i, n int, seconds float64) time.Duration {
	front := math.Min(frontSeconds, seconds)
	half := (n + 1) / 2
	var ms float64
	if i < half || seconds <= front {
		ms = float64(i) / float64(half) * front * 1000
	} else {
		ms = (front + float64(i-half)/float64(n-half)*(seconds-front)) * 1000
	}
	return time.Duration(ms * float64(time.Millisecond))
}

type stats struct {
	N     int      `json:"n"`
	P50Ms *float64 `json:"p50_ms"`
	P99Ms *float64 `json:"p99_ms"`
}

func percentile(sorted []float64, p float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	if i > len(sorted)-1 {
		i = len(sorted) - 1
	}
	v := math.Round(sorted[i]*100) / 100
	return &v
}

func summarize(values []float64) stats {
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	return stats{N: len(sorted), P50Ms: percentile(sorted, 50), P99Ms: percentile(sorted, 99)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// recorder holds every measurement; one mutex, taken once per answer.
type recorder struct {
	mu               sync.Mutex
	latency          map[string][]float64
	fromArrival      []float64
	statuses         map[string]int
	createdPerSecond []int
	errors           int
	replayed         int // 201s that were replays of a booking made by an earlier attempt
	retries          int
	gaveUp           int
	finished         int
	firstSend        time.Duration
	lastCreated      time.Duration
	haveCreated      bool
}

func (r *recorder) finish(b *buyer, class string, status int, latency, now time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.latency[class] = append(r.latency[class], ms(latency))
	r.statuses[strconv.Itoa(status)]++
	r.fromArrival = append(r.fromArrival, ms(now-b.at))
	r.finished++
	if status == http.StatusCreated {
		second := int(now / time.Second)
		for len(r.createdPerSecond) <= second {
			r.createdPerSecond = append(r.createdPerSecond, 0)
		}
		r.createdPerSecond[second]++
		r.lastCreated = now
		r.haveCreated = true
	}
}

// failed counts a buyer whose request ended in a socket error (no answer; not retried).
func (r *recorder) failed() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors++
	r.finished++
}

// answer is what the generator needs of a response.
type answer struct {
	status     int
	retryAfter float64 // -1 when absent or not a number
	close      bool
	replayed   bool // Idempotent-Replayed: true
}

// readAnswer reads one HTTP/1.1 response with a Content-Length body (tiket-api never chunks).
func readAnswer(r *bufio.Reader) (answer, error) {
	a := answer{retryAfter: -1}
	line, err := r.ReadSlice('\n')
	if err != nil {
		return a, err
	}
	fields := bytes.Fields(line)
	if len(fields) < 2 || !bytes.HasPrefix(fields[0], []byte("HTTP/1.")) {
		return a, fmt.Errorf("bad status line %q", line)
	}
	if a.status, err = strconv.Atoi(string(fields[1])); err != nil {
		return a, fmt.Errorf("bad status %q", fields[1])
	}
	length := -1
	for {
		line, err = r.ReadSlice('\n')
		if err != nil {
			return a, err
		}
		header := strings.TrimSpace(string(line))
		if header == "" {
			break
		}
		name, value, ok := strings.Cut(header, ":")
		if !ok {
			return a, fmt.Errorf("bad header %q", header)
		}
		value = strings.TrimSpace(value)
		switch strings.ToLower(name) {
		case "content-length":
			if length, err = strconv.Atoi(value); err != nil || length < 0 {
				return a, fmt.Errorf("bad Content-Length %q", value)
			}
		case "retry-after":
			if v, err := strconv.ParseFloat(value, 64); err == nil && v >= 0 {
				a.retryAfter = v
			}
		case "connection":
			a.close = strings.EqualFold(value, "close")
		case "idempotent-replayed":
			a.replayed = value == "true"
		case "transfer-encoding":
			return a, errors.New("chunked answers are not expected")
		}
	}
	if length < 0 {
		return a, errors.New("no Content-Length")
	}
	_, err = r.Discard(length)
	return a, err
}

func run(cfg config) (map[string]any, error) {
	raw, err := os.ReadFile(cfg.TokensFile)
	if err != nil {
		return nil, err
	}
	var tokens []string
	for _, t := range strings.Split(string(raw), "\n") {
		if t != "" {
			tokens = append(tokens, t)
		}
	}
	target, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Sockets < 1 || len(cfg.Types) == 0 {
		return nil, errors.New("sockets must be at least 1 and types must not be empty")
	}
	n := len(tokens)
	random := &rng{a: cfg.Seed}
	var totalWeight float64
	for _, t := range cfg.Types {
		totalWeight += float64(t.Weight)
	}
	buyers := make([]*buyer, n)
	for i, token := range tokens {
		r := random.next() * totalWeight
		typeID := cfg.Types[len(cfg.Types)-1].ID
		for _, t := range cfg.Types {
			if r < float64(t.Weight) {
				typeID = t.ID
				break
			}
			r -= float64(t.Weight)
		}
		quantity := 1 + int(random.next()*4)
		body := fmt.Sprintf(`{"concert_id":%d,"items":[{"ticket_type_id":%d,"quantity":%d}]}`,
			cfg.Concert, typeID, quantity)
		request := fmt.Sprintf("POST /api/bookings HTTP/1.1\r\nHost: %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: %d\r\nAuthorization: Bearer %s\r\n"+
			"Idempotency-Key: %s-%d\r\n\r\n%s", target.Host, len(body), token, cfg.KeyPrefix, i, body)
		buyers[i] = &buyer{at: arrival(i, n, cfg.Seconds), request: []byte(request)}
	}

	rec := &recorder{latency: map[string][]float64{}, statuses: map[string]int{}}
	queue := make(chan *buyer, 2*n+cfg.Sockets) // FIFO: first come, first sent
	var open sync.WaitGroup                     // buyers without a final answer
	var retryMu sync.Mutex                      // random is not shared with the workers
	retryRandom := &rng{a: cfg.Seed ^ 0x9e3779b9}
	start := time.Now()
	var firstOnce sync.Once

	cpuStart := cpuTime()
	worker := func() {
		var conn net.Conn
		var reader *bufio.Reader
		for b := range queue {
			if conn == nil {
				c, err := net.DialTimeout("tcp", target.Host, requestTimeout)
				if err != nil {
					rec.failed()
					open.Done()
					continue
				}
				conn, reader = c, bufio.NewReaderSize(c, 16<<10)
			}
			sent := time.Since(start)
			firstOnce.Do(func() { rec.firstSend = sent })
			b.attempts++
			_ = conn.SetDeadline(time.Now().Add(requestTimeout))
			_, err := conn.Write(b.request)
			var a answer
			if err == nil {
				a, err = readAnswer(reader)
			}
			now := time.Since(start)
			if err != nil || a.close {
				_ = conn.Close()
				conn = nil
			}
			if err != nil {
				rec.failed()
				open.Done()
				continue
			}
			latency := now - sent
			switch {
			case a.status == http.StatusServiceUnavailable && a.retryAfter >= 0:
				rec.mu.Lock()
				rec.latency["unavailable"] = append(rec.latency["unavailable"], ms(latency))
				if b.attempts <= cfg.MaxRetries {
					rec.retries++
					rec.mu.Unlock()
					retryMu.Lock()
					jitter := time.Duration(retryRandom.next() * float64(100*time.Millisecond))
					retryMu.Unlock()
					retry := b // not the loop variable: it names the next buyer by the time this runs
					time.AfterFunc(time.Duration(a.retryAfter*float64(time.Second))+jitter,
						func() { queue <- retry })
					continue
				}
				rec.gaveUp++
				rec.statuses[strconv.Itoa(a.status)]++
				rec.finished++
				rec.mu.Unlock()
			case a.status == http.StatusCreated:
				if a.replayed {
					rec.mu.Lock()
					rec.replayed++
					rec.mu.Unlock()
				}
				rec.finish(b, "created", a.status, latency, now)
			case a.status == http.StatusConflict:
				rec.finish(b, "sold_out", a.status, latency, now)
			default:
				rec.finish(b, "other", a.status, latency, now)
			}
			open.Done()
		}
		if conn != nil {
			_ = conn.Close()
		}
	}
	var workers sync.WaitGroup
	for i := 0; i < cfg.Sockets; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			worker()
		}()
	}

	// The dispatcher: sleeps until the next arrival, then queues every buyer whose time has come.
	frontCount := (n + 1) / 2
	dispatchLag := make([]float64, 0, n)
	sentPerSecond := []int{}
	var lastFrontSend time.Duration
	open.Add(n)
	for next := 0; next < n; {
		now := time.Since(start)
		if wait := buyers[next].at - now; wait > 0 {
			time.Sleep(wait)
			continue
		}
		for next < n && buyers[next].at <= now {
			dispatchLag = append(dispatchLag, ms(now-buyers[next].at))
			second := int(now / time.Second)
			for len(sentPerSecond) <= second {
				sentPerSecond = append(sentPerSecond, 0)
			}
			sentPerSecond[second]++
			if next < frontCount {
				lastFrontSend = now
			}
			queue <- buyers[next]
			next++
		}
	}
	lastArrival := time.Duration(0)
	if n > 0 {
		lastArrival = buyers[n-1].at
	}
	allAnswered := make(chan struct{})
	go func() {
		open.Wait()
		close(allAnswered)
	}()
	select {
	case <-allAnswered:
	case <-time.After(lastArrival + drain - time.Since(start)):
	}
	wall := time.Since(start)
	cpu := cpuTime() - cpuStart

	rec.mu.Lock()
	defer rec.mu.Unlock()
	peak := 0
	for _, v := range rec.createdPerSecond {
		if v > peak {
			peak = v
		}
	}
	var lastCreatedMs, lastSeatHeld any
	if rec.haveCreated {
		lastCreatedMs = ms(rec.lastCreated)
		lastSeatHeld = math.Round(ms(rec.lastCreated-rec.firstSend)) / 1000
	}
	var frontAchieved any
	if lastFrontSend > 0 {
		frontAchieved = math.Round(float64(frontCount) / lastFrontSend.Seconds())
	}
	return map[string]any{
		"buyers":                n,
		"statuses":              rec.statuses,
		"socket_errors":         rec.errors,
		"retries":               rec.retries,
		"replayed_201s":         rec.replayed,
		"gave_up_after_retries": rec.gaveUp,
		"unfinished":            n - rec.finished,
		"first_request_ms":      ms(rec.firstSend),
		"last_created_ms":       lastCreatedMs,
		"last_seat_held_s":      lastSeatHeld,
		"peak_created_per_s":    peak,
		"created_per_s":         rec.createdPerSecond,
		"sent_per_s":            sentPerSecond,
		"latency_ms": map[string]stats{
			"created":     summarize(rec.latency["created"]),
			"sold_out":    summarize(rec.latency["sold_out"]),
			"unavailable": summarize(rec.latency["unavailable"]),
			"other":       summarize(rec.latency["other"]),
		},
		"from_arrival_ms": summarize(rec.fromArrival),
		"generator": map[string]any{
			"wall_s":                math.Round(ms(wall)) / 1000,
			"cpu_s":                 cpu.Seconds(),
			"cpu_share":             math.Round(cpu.Seconds()/wall.Seconds()*1000) / 1000,
			"dispatch_lag_ms":       summarize(dispatchLag),
			"front_scheduled_per_s": math.Round(float64(frontCount) / math.Min(frontSeconds, cfg.Seconds)),
			"front_achieved_per_s":  frontAchieved,
		},
	}, nil
}

func cpuTime() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		return 0
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func sink() error {
	body := []byte(`{"type":"https://tiket.example/problems/sold-out","title":"Not enough tickets left","status":409}`)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Printf("sink listening on %d\n", listener.Addr().(*net.TCPAddr).Port)
	server := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write(body)
		}),
		IdleTimeout: time.Minute,
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		_ = server.Close()
	}()
	if err := server.Serve(listener); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func main() {
	args := os.Args[1:]
	switch {
	case len(args) == 1 && args[0] == "sink":
		if err := sink(); err != nil {
			fmt.Fprintln(os.Stderr, "rush sink:", err)
			os.Exit(1)
		}
	case len(args) == 2 && args[0] == "run":
		var cfg config
		if err := json.Unmarshal([]byte(args[1]), &cfg); err != nil {
			fmt.Fprintln(os.Stderr, "rush: bad CONFIG_JSON:", err)
			os.Exit(2)
		}
		result, err := run(cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rush:", err)
			os.Exit(1)
		}
		out, _ := json.Marshal(result)
		fmt.Println(string(out))
	default:
		fmt.Fprintln(os.Stderr, "usage: rush run CONFIG_JSON | rush sink")
		os.Exit(2)
	}
}
