package awsops

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// answer is one canned API Gateway response; reset instead drops the connection.
type answer struct {
	status int
	code   string
	body   string
	reset  bool
}

// throttled is how API Gateway's control plane answers a call over its limit.
var throttled = answer{status: 429, code: "TooManyRequestsException", body: `{"message":"Too Many Requests"}`}

// gatewayServer answers API Gateway requests with answers, one per request, repeating the
// last; it counts the requests it gets.
func gatewayServer(t *testing.T, answers []answer) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a := answers[min(int(n.Add(1)), len(answers))-1]
		if a.reset {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.(*net.TCPConn).SetLinger(0) // close with a TCP reset
				_ = conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if a.code != "" {
			w.Header().Set("X-Amzn-ErrorType", a.code+":http://internal.amazon.com/coral/com.amazonaws.backplane.controlplane/")
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRealSDKClientsRetryInOneLayer(t *testing.T) {
	link := answer{status: 200, body: `{"id":"abc123","name":"orders","status":"AVAILABLE"}`}
	tests := map[string]struct {
		answers      []answer
		maxAttempts  int // the AWS configuration's max_attempts; 0 when unset
		wantRequests int32
		wantErr      bool
	}{
		"a call API Gateway always throttles is sent DefaultMaxAttempts times":    {answers: []answer{throttled}, wantRequests: DefaultMaxAttempts, wantErr: true},
		"AWS_MAX_ATTEMPTS bounds the requests, not the SDK's attempts times ours": {answers: []answer{throttled}, maxAttempts: 3, wantRequests: 3, wantErr: true},
		"a throttled call is retried until it succeeds":                           {answers: []answer{throttled, throttled, link}, wantRequests: 3},
		"a 503 is retried, as the SDK would":                                      {answers: []answer{{status: 503, body: `{"message":"Service Unavailable"}`}, link}, wantRequests: 2},
		"a reset connection is retried, as the SDK would":                         {answers: []answer{{reset: true}, link}, wantRequests: 2},
		"a bad request is not retried":                                            {answers: []answer{{status: 400, code: "BadRequestException", body: `{"message":"Invalid VPC link identifier specified"}`}}, wantRequests: 1, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv, requests := gatewayServer(t, tc.answers)
			synctest.Test(t, func(t *testing.T) {
				cfg := aws.Config{
					Region:           "eu-west-1",
					Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
					RetryMaxAttempts: tc.maxAttempts,
					// No idle connections: they would keep the bubble's goroutines alive.
					HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}},
				}
				a := FromConfig(cfg, srv.URL, "")
				start := time.Now()
				_, err := a.GetVPCLink(context.Background(), "abc123")
				t.Logf("%d requests over %s (simulated time): %v", requests.Load(), time.Since(start).Round(time.Millisecond), err)
				if got := requests.Load(); got != tc.wantRequests {
					t.Errorf("the server got %d requests, want %d", got, tc.wantRequests)
				}
				if (err != nil) != tc.wantErr {
					t.Errorf("err = %v, want an error: %v", err, tc.wantErr)
				}
			})
		})
	}
}

func TestPacerRetriesWhatTheSDKWouldRetry(t *testing.T) {
	status := func(code int) error {
		return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
			Response: &smithyhttp.Response{Response: &http.Response{StatusCode: code}}, Err: errors.New("boom")}}
	}
	tests := map[string]struct {
		err       error
		wantCalls int
	}{
		"API Gateway's TooManyRequestsException is retried":   {err: apiError("TooManyRequestsException"), wantCalls: 3},
		"EC2's RequestLimitExceeded is retried":               {err: apiError("RequestLimitExceeded"), wantCalls: 3},
		"ELB's Throttling is retried":                         {err: apiError("Throttling"), wantCalls: 3},
		"a 500 is retried":                                    {err: status(500), wantCalls: 3},
		"a 504 is retried":                                    {err: status(504), wantCalls: 3},
		"a request timeout is retried":                        {err: apiError("RequestTimeout"), wantCalls: 3},
		"a reset connection is retried":                       {err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, wantCalls: 3},
		"an access denial is not retried":                     {err: apiError("AccessDeniedException"), wantCalls: 1},
		"a missing resource is not retried":                   {err: apiError("NotFoundException"), wantCalls: 1},
		"a validation error is not retried":                   {err: apiError("ValidationError"), wantCalls: 1},
		"a cancelled call is not retried":                     {err: context.Canceled, wantCalls: 1},
		"an error the SDK does not know is not retried":       {err: errors.New("boom"), wantCalls: 1},
		"a 400 without a code is not retried":                 {err: status(400), wantCalls: 1},
		"a 501 (not implemented) is not retried":              {err: status(501), wantCalls: 1},
		"a connection refused by the endpoint is retried too": {err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, wantCalls: 3},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &Pacer{Scale: 1, MaxAttempts: 3}
				calls := 0
				err := p.Call(context.Background(), "ec2:DescribeVpcs", func() error { calls++; return tc.err })
				if calls != tc.wantCalls {
					t.Errorf("calls = %d, want %d", calls, tc.wantCalls)
				}
				if !errors.Is(err, tc.err) {
					t.Errorf("err = %v, want it to wrap %v", err, tc.err)
				}
			})
		})
	}
}

func TestPacerRetriesThrottledCallsThenGivesUp(t *testing.T) {
	tests := map[string]struct {
		failures  int
		attempts  int
		wantCalls int
		wantErr   bool
	}{
		"two throttled calls are retried until the third succeeds": {failures: 2, attempts: 8, wantCalls: 3},
		"it stops after MaxAttempts and returns the throttling":    {failures: 10, attempts: 3, wantCalls: 3, wantErr: true},
		"a call that succeeds at once is made once":                {failures: 0, attempts: 8, wantCalls: 1},
		"no MaxAttempts means one try":                             {failures: 10, attempts: 0, wantCalls: 1, wantErr: true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &Pacer{Scale: 1, MaxAttempts: tc.attempts}
				calls := 0
				err := p.Gateway(context.Background(), "CreateResource", func() error {
					calls++
					if calls <= tc.failures {
						return apiError("TooManyRequestsException")
					}
					return nil
				})
				var te *ThrottleError
				if calls != tc.wantCalls || (err != nil) != tc.wantErr || (tc.wantErr && !errors.As(err, &te)) {
					t.Errorf("calls = %d, err = %v; want %d calls, error %v", calls, err, tc.wantCalls, tc.wantErr)
				}
			})
		})
	}
}

func TestPacerBacksOffBetweenAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := &Pacer{Scale: 1, MaxAttempts: 8}
		var at []time.Time
		_ = p.Call(context.Background(), "elasticloadbalancing:DescribeLoadBalancers", func() error {
			at = append(at, time.Now())
			return apiError("Throttling")
		})
		// Full jitter: the n-th wait is random, up to 250 ms doubled n-1 times and capped at 20 s.
		for i := 1; i < len(at); i++ {
			limit := min(250*time.Millisecond<<(i-1), 20*time.Second)
			if gap := at[i].Sub(at[i-1]); gap < 0 || gap > limit {
				t.Errorf("wait %d was %v; want at most %v", i, gap, limit)
			}
		}
		if len(at) != 8 {
			t.Errorf("%d attempts, want 8", len(at))
		}
	})
}

func TestPacerStopsWaitingWhenTheContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer()
		_ = p.Gateway(context.Background(), "DeleteRestApi", func() error { return nil })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		called := false
		err := p.Gateway(ctx, "DeleteRestApi", func() error { called = true; return nil })
		if !errors.Is(err, context.DeadlineExceeded) || called || time.Since(start) != 10*time.Second {
			t.Errorf("err = %v, called = %v after %v; want the deadline after 10s and no call", err, called, time.Since(start))
		}
		// The slot the cancelled call gave back is the next call's: 30 s after the first.
		start = time.Now()
		if err := p.Gateway(context.Background(), "DeleteRestApi", func() error { return nil }); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 20*time.Second {
			t.Errorf("the next DeleteRestApi waited %v, want the 20s left of its 30s", d)
		}
	})
}

func TestPacerKeepsEachOperationToAWSLimits(t *testing.T) {
	tests := map[string]struct {
		op        string
		calls     int
		throttled bool    // every attempt is throttled, and retried twice
		scale     float64 // the Pacer's Scale; 0 means 1
		want      time.Duration
	}{
		"CreateDeployment: 1 every 5 s":              {op: "CreateDeployment", calls: 3, want: 10 * time.Second},
		"CreateRestApi: 1 every 3 s":                 {op: "CreateRestApi", calls: 3, want: 6 * time.Second},
		"CreateResource: 5 a second":                 {op: "CreateResource", calls: 6, want: time.Second},
		"DeleteRestApi: 1 every 30 s":                {op: "DeleteRestApi", calls: 2, want: 30 * time.Second},
		"GetResources: 5 every 2 s":                  {op: "GetResources", calls: 6, want: 2 * time.Second},
		"UpdateUsagePlan: 1 every 20 s":              {op: "UpdateUsagePlan", calls: 2, want: 20 * time.Second},
		"any other operation: 10 a second":           {op: "GetStage", calls: 11, want: time.Second},
		"the retries of one call are paced too":      {op: "CreateDeployment", calls: 1, throttled: true, want: 10 * time.Second},
		"the demo account keeps AWS's pace, sped up": {op: "CreateRestApi", calls: 3, scale: 0.05, want: 300 * time.Millisecond},
		"the demo account at speed 0 does not wait":  {op: "DeleteRestApi", calls: 3, scale: -1, want: 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := &Pacer{Scale: 1, MaxAttempts: 3}
				if tc.scale != 0 {
					p.Scale = max(tc.scale, 0)
				}
				var at []time.Time
				for range tc.calls {
					_ = p.Gateway(context.Background(), tc.op, func() error {
						at = append(at, time.Now())
						if tc.throttled {
							return apiError("TooManyRequestsException")
						}
						return nil
					})
				}
				// rate.Limiter computes in floating point: within a millisecond is on time.
				if got := at[len(at)-1].Sub(at[0]).Round(time.Millisecond); got != tc.want {
					t.Errorf("%d attempts took %v, want %v", len(at), got, tc.want)
				}
			})
		})
	}
}

func TestPacerOperationsDoNotWaitForEachOther(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer()
		_ = p.Gateway(context.Background(), "CreateDeployment", func() error { return nil })
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = p.Gateway(context.Background(), "CreateDeployment", func() error { return nil })
		}()
		if err := p.Gateway(context.Background(), "GetStage", func() error { return nil }); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 0 {
			t.Errorf("GetStage waited %v behind CreateDeployment", d)
		}
		<-done
		if d := time.Since(start); d != 5*time.Second {
			t.Errorf("the second CreateDeployment came after %v, want 5s", d)
		}
	})
}

func TestPacerKeepsAPIGatewayAsAWholeTo10ASecond(t *testing.T) {
	// Twenty operations each allowed 10 calls a second would make 200; AWS allows 10 a
	// second for all operations together, after a burst of 40.
	synctest.Test(t, func(t *testing.T) {
		p := NewPacer()
		start := time.Now()
		var mu sync.Mutex
		var at []time.Duration
		var wg sync.WaitGroup
		for op := range 20 {
			wg.Go(func() {
				for range 10 {
					_ = p.Gateway(context.Background(), fmt.Sprintf("GetOperation%d", op), func() error {
						mu.Lock()
						defer mu.Unlock()
						at = append(at, time.Since(start))
						return nil
					})
				}
			})
		}
		wg.Wait()
		for i, d := range at {
			// The i+1-th call may come no sooner than the token bucket allows.
			if allowed := 40 + int(d/(100*time.Millisecond)); i+1 > allowed {
				t.Fatalf("call %d came at %v; AWS allows %d by then", i+1, d, allowed)
			}
		}
		if last := at[len(at)-1]; last < 16*time.Second {
			t.Errorf("200 calls ended after %v; AWS's limits need at least 16s", last)
		}
	})
}
