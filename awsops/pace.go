package awsops

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

// gatewayIntervals are API Gateway's fixed per-account control-plane limits, as the shortest
// gap between two calls of one operation. Operations not listed get gatewayDefaultInterval.
var gatewayIntervals = map[string]time.Duration{
	"CreateDeployment": 5 * time.Second,
	"CreateRestApi":    3 * time.Second,
	"CreateResource":   200 * time.Millisecond,
	"DeleteRestApi":    30 * time.Second,
}

const gatewayDefaultInterval = 100 * time.Millisecond

// Pacer spaces API Gateway calls to the service's published limits and retries any call that
// AWS throttles, with exponential backoff and jitter, until MaxAttempts or the context ends.
type Pacer struct {
	// Scale multiplies every interval and backoff: 1 for AWS, less for the sandbox.
	Scale float64
	// MaxAttempts bounds the tries of one call, the first included.
	MaxAttempts int
	// Profile and Region are named in permission errors.
	Profile string
	Region  string

	mu   sync.Mutex
	next map[string]time.Time
}

// NewPacer returns a Pacer for the real service limits.
func NewPacer() *Pacer { return &Pacer{Scale: 1, MaxAttempts: 8} }

// Gateway runs one API Gateway operation: it waits for the operation's slot, then calls fn,
// retrying throttled calls.
func (p *Pacer) Gateway(ctx context.Context, op string, fn func() error) error {
	interval, ok := gatewayIntervals[op]
	if !ok {
		interval = gatewayDefaultInterval
	}
	return p.retry(ctx, "apigateway:"+op, func() error {
		if err := p.wait(ctx, op, interval); err != nil {
			return err
		}
		return fn()
	})
}

// Call runs one operation of another service, retrying throttled calls without pacing.
func (p *Pacer) Call(ctx context.Context, op string, fn func() error) error {
	return p.retry(ctx, op, fn)
}

func (p *Pacer) retry(ctx context.Context, op string, fn func() error) error {
	attempts := p.MaxAttempts
	if attempts < 1 {
		attempts = 1
	}
	backoff := p.scaled(250 * time.Millisecond)
	for i := 1; ; i++ {
		err := Classify(IAMAction(op), fn())
		var pe *PermissionError
		if errors.As(err, &pe) {
			pe.Profile, pe.Region = p.Profile, p.Region
		}
		var te *ThrottleError
		if err == nil || !errors.As(err, &te) || i >= attempts {
			return err
		}
		// Full jitter: sleep a random time up to the current backoff, which doubles up to 20 s.
		d := time.Duration(rand.Int64N(int64(backoff) + 1))
		if err := sleep(ctx, d); err != nil {
			return err
		}
		backoff = min(backoff*2, p.scaled(20*time.Second))
	}
}

// wait blocks until op may be called again, and books the slot after it.
func (p *Pacer) wait(ctx context.Context, op string, interval time.Duration) error {
	p.mu.Lock()
	if p.next == nil {
		p.next = map[string]time.Time{}
	}
	now := time.Now()
	at := p.next[op]
	if at.Before(now) {
		at = now
	}
	p.next[op] = at.Add(p.scaled(interval))
	p.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

func (p *Pacer) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * p.Scale)
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
