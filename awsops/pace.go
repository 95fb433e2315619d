package awsops

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"golang.org/x/time/rate"
)

// gatewayLimit is one of API Gateway's fixed per-account control-plane limits: Burst calls,
// then one more every Every.
type gatewayLimit struct {
	Every time.Duration
	Burst int
}

// gatewayLimits are the limits AWS documents for the API Gateway operations vpclink calls
// (developer guide, "API Gateway quotas for creating, deploying and managing an API").
// Operations not listed get gatewayDefaultLimit, and every call also counts against
// gatewayTotalLimit, the account's limit for all operations together.
var gatewayLimits = map[string]gatewayLimit{
	"CreateApiKey":     {Every: 200 * time.Millisecond, Burst: 1},
	"CreateDeployment": {Every: 5 * time.Second, Burst: 1},
	"CreateResource":   {Every: 200 * time.Millisecond, Burst: 1},
	"CreateRestApi":    {Every: 3 * time.Second, Burst: 1},
	"DeleteApiKey":     {Every: 200 * time.Millisecond, Burst: 1},
	"DeleteResource":   {Every: 200 * time.Millisecond, Burst: 1},
	"DeleteRestApi":    {Every: 30 * time.Second, Burst: 1},
	"GetResources":     {Every: 400 * time.Millisecond, Burst: 1},
	"UpdateAccount":    {Every: 20 * time.Second, Burst: 1},
	"UpdateUsagePlan":  {Every: 20 * time.Second, Burst: 1},
}

var (
	gatewayDefaultLimit = gatewayLimit{Every: 100 * time.Millisecond, Burst: 1}
	gatewayTotalLimit   = gatewayLimit{Every: 100 * time.Millisecond, Burst: 40}
)

// DefaultMaxAttempts bounds the tries of one call, the first included, when the AWS
// configuration does not (AWS_MAX_ATTEMPTS, or max_attempts in the profile).
const DefaultMaxAttempts = 8

// retryable is the SDK's own classification of errors worth another try: throttling, 5xx,
// timeouts, reset or refused connections. The SDK clients do not retry (FromConfig turns
// their retryer off), so this is the one place a call is retried.
var retryable = retry.IsErrorRetryables(retry.DefaultRetryables)

// Pacer is the one retry layer of every AWS call vpclink makes, through the SDK or to the
// demo account alike. It spaces API Gateway calls to the service's published limits, and
// retries a call that fails for a passing reason, with exponential backoff and jitter,
// until MaxAttempts or the context ends. Every attempt is paced, retries included.
type Pacer struct {
	// Scale multiplies every limit interval and backoff: 1 for AWS, less for the sandbox,
	// 0 for no waiting at all.
	Scale float64
	// MaxAttempts bounds the tries of one call, the first included.
	MaxAttempts int
	// Profile and Region are named in permission errors.
	Profile string
	Region  string

	mu       sync.Mutex
	total    *rate.Limiter
	limiters map[string]*rate.Limiter
}

// NewPacer returns a Pacer for the real service limits.
func NewPacer() *Pacer { return &Pacer{Scale: 1, MaxAttempts: DefaultMaxAttempts} }

// Gateway runs one API Gateway operation: each attempt waits for the operation's turn
// under AWS's limits, then calls fn.
func (p *Pacer) Gateway(ctx context.Context, op string, fn func() error) error {
	return p.retry(ctx, "apigateway:"+op, func() error {
		if err := p.wait(ctx, op); err != nil {
			return err
		}
		return fn()
	})
}

// Call runs one operation of another service, retrying as Gateway does, without pacing.
func (p *Pacer) Call(ctx context.Context, op string, fn func() error) error {
	return p.retry(ctx, op, fn)
}

func (p *Pacer) retry(ctx context.Context, op string, attempt func() error) error {
	attempts := max(p.MaxAttempts, 1)
	backoff := p.scaled(250 * time.Millisecond)
	for i := 1; ; i++ {
		raw := attempt()
		err := Classify(IAMAction(op), raw)
		var pe *PermissionError
		if errors.As(err, &pe) {
			pe.Profile, pe.Region = p.Profile, p.Region
		}
		if raw == nil || i >= attempts || ctx.Err() != nil || retryable.IsErrorRetryable(raw) != aws.TrueTernary {
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

// wait blocks until op may be called again under its own limit and the account's total.
func (p *Pacer) wait(ctx context.Context, op string) error {
	opLimit, total := p.limiter(op)
	if err := take(ctx, opLimit); err != nil {
		return err
	}
	return take(ctx, total)
}

// limiter returns op's limiter and the total one, making them on first use.
func (p *Pacer) limiter(op string) (*rate.Limiter, *rate.Limiter) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.limiters == nil {
		p.limiters = map[string]*rate.Limiter{}
		p.total = p.newLimiter(gatewayTotalLimit)
	}
	l, ok := p.limiters[op]
	if !ok {
		limit, known := gatewayLimits[op]
		if !known {
			limit = gatewayDefaultLimit
		}
		l = p.newLimiter(limit)
		p.limiters[op] = l
	}
	return l, p.total
}

func (p *Pacer) newLimiter(l gatewayLimit) *rate.Limiter {
	every := p.scaled(l.Every)
	if every <= 0 {
		return rate.NewLimiter(rate.Inf, l.Burst)
	}
	return rate.NewLimiter(rate.Every(every), l.Burst)
}

// take waits for one token of l, or gives it back if ctx ends first.
func take(ctx context.Context, l *rate.Limiter) error {
	r := l.Reserve()
	if err := sleep(ctx, r.Delay()); err != nil {
		r.Cancel()
		return err
	}
	return nil
}

func (p *Pacer) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * max(p.Scale, 0))
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
