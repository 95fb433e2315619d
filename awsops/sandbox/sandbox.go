// Package sandbox is a simulated AWS account that implements awsops's service interfaces in
// memory. It backs `vpclink --demo` and the tests: ids and ARNs have AWS's formats, load
// balancers and VPC links take time to become ready, target health follows the security
// groups, AWS's delete rules hold, and faults can be injected. The account persists as a JSON
// file, so separate invocations see the same account.
package sandbox

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"
	"github.com/gofrs/flock"

	"github.com/vpclink/vpclink/awsops"
)

// AccountID is the sandbox account's id.
const AccountID = "123456789012"

// DefaultSpeed makes a demo build take about half a minute: AWS's minutes become seconds.
const DefaultSpeed = 0.05

// Real-time delays the sandbox scales by its speed.
const (
	nlbProvisioning  = 3 * time.Minute
	vpcLinkPending   = 5 * time.Minute
	vpcLinkDeleting  = 1 * time.Minute
	registrationTime = 20 * time.Second
)

// Options configures a Sandbox.
type Options struct {
	// Dir holds the account file; empty keeps the account in memory only.
	Dir string
	// Region is the account's region; the seed's availability zones follow it.
	Region string
	// Speed scales AWS's delays: 0 is instant, 1 real time.
	Speed float64
	// Faults lists injected failures as Operation[:n], comma-separated: the n-th call (from
	// 1) of that operation fails with a realistic AWS error. VpcLinkAvailable[:n] makes the
	// n-th VPC link end FAILED instead of AVAILABLE.
	Faults string
	// Throttle is the share of calls (0 to 1) answered with a throttling error.
	Throttle float64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ForeignTargets makes VPC links accept load balancers the sandbox does not hold, so
	// that its VPC links can stand in for an emulator that has none.
	ForeignTargets bool
	// Policy names an IAM policy file; when set, every call is checked against it as IAM
	// would check the demo user's, and a call it does not allow fails as AWS's do.
	Policy string
}

// OptionsFromEnv reads VPCLINK_DEMO_SPEED, VPCLINK_SANDBOX_FAIL, VPCLINK_SANDBOX_THROTTLE and
// VPCLINK_SANDBOX_POLICY.
func OptionsFromEnv(dir, region string) (Options, error) {
	o := Options{Dir: dir, Region: region, Speed: DefaultSpeed, Faults: os.Getenv("VPCLINK_SANDBOX_FAIL"), Policy: os.Getenv("VPCLINK_SANDBOX_POLICY")}
	if v := os.Getenv("VPCLINK_DEMO_SPEED"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return o, fmt.Errorf("VPCLINK_DEMO_SPEED=%q: want a number from 0 (instant) to 1 (real time)", v)
		}
		o.Speed = f
	}
	if v := os.Getenv("VPCLINK_SANDBOX_THROTTLE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f >= 1 {
			return o, fmt.Errorf("VPCLINK_SANDBOX_THROTTLE=%q: want the share of calls to throttle, from 0 up to (not including) 1, e.g. 0.2", v)
		}
		o.Throttle = f
	}
	if _, err := parseFaults(o.Faults); err != nil {
		return o, err
	}
	return o, nil
}

// parseFaults reads "Op[:n],Op[:n]" into op → the call number that fails.
func parseFaults(s string) (map[string]int, error) {
	faults := map[string]int{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		op, n, hasN := strings.Cut(f, ":")
		k := 1
		if hasN {
			var err error
			k, err = strconv.Atoi(n)
			if err != nil || k < 1 {
				return nil, fmt.Errorf("VPCLINK_SANDBOX_FAIL=%q: %q is not a call number; write Operation[:n] with n from 1, e.g. CreateVpcLink:1", s, n)
			}
		}
		if !knownOps[op] {
			return nil, fmt.Errorf("VPCLINK_SANDBOX_FAIL=%q: unknown operation %q; use an AWS operation name such as CreateLoadBalancer or CreateVpcLink, or VpcLinkAvailable for a VPC link that ends FAILED", s, op)
		}
		faults[op] = k
	}
	return faults, nil
}

// Sandbox is the simulated account. It is safe for concurrent use.
type Sandbox struct {
	opts   Options
	path   string
	faults map[string]int
	policy *awsops.Policy

	mu     sync.Mutex
	st     *state
	calls  map[string]int
	random func(n int) string
	// fileLock is held around every read-modify-write of the account file, so that two
	// vpclink processes on one demo account (a trainer's two terminals) never lose each
	// other's writes. It is a file beside the account file, which each save replaces.
	fileLock *flock.Flock
	// loaded is the account file's content as this process last read or wrote it; a file
	// that differs was written by another vpclink, and is read again.
	loaded []byte
}

// New opens the account in opts.Dir, seeding it when it does not exist yet.
func New(opts Options) (*Sandbox, error) {
	s, err := newSandbox(opts)
	if err != nil {
		return nil, err
	}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// ResetAccount puts the account in opts.Dir back to its seed without reading it first, so
// that even a damaged account file can be started afresh.
func ResetAccount(opts Options) error {
	s, err := newSandbox(opts)
	if err != nil {
		return err
	}
	return s.Reset()
}

func newSandbox(opts Options) (*Sandbox, error) {
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	// The region names the account file: a name that is no region could name any path.
	if err := awsops.CheckRegion(opts.Region); err != nil {
		return nil, fmt.Errorf("open the demo account: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	faults, err := parseFaults(opts.Faults)
	if err != nil {
		return nil, err
	}
	s := &Sandbox{opts: opts, faults: faults, calls: map[string]int{}, random: randomHex}
	if opts.Policy != "" {
		if s.policy, err = loadPolicy(opts.Policy); err != nil {
			return nil, err
		}
	}
	if opts.Dir != "" {
		s.path = filepath.Join(opts.Dir, "sandbox-"+opts.Region+".json")
		s.fileLock = flock.New(s.path+".lock", flock.SetPermissions(0o600))
	}
	return s, nil
}

// Account returns an awsops.Account backed by the sandbox, paced and polled at its speed.
func (s *Sandbox) Account() *awsops.Account {
	scale := func(d, floor time.Duration) time.Duration {
		return max(time.Duration(float64(d)*s.opts.Speed), floor)
	}
	return &awsops.Account{
		EC2: &ec2API{s}, ELB: &elbAPI{s}, Gateway: &gatewayAPI{s}, Links: &LinksAPI{s}, STS: &stsAPI{s},
		Region: s.opts.Region,
		Pace:   &awsops.Pacer{Scale: s.opts.Speed, MaxAttempts: awsops.DefaultMaxAttempts, Profile: "demo", Region: s.opts.Region},
		Poll: awsops.Polling{
			MinDelay: scale(awsops.AWSPolling().MinDelay, 20*time.Millisecond),
			MaxDelay: scale(awsops.AWSPolling().MaxDelay, 100*time.Millisecond),
			Deadline: scale(20*time.Minute, 30*time.Second),
			AWSTime:  s.delay,
		},
	}
}

// Reset puts the account back to its seed.
func (s *Sandbox) Reset() error {
	return s.locked(true, func() error {
		s.st = seed(s.opts.Region, s.opts.Now())
		return s.save()
	})
}

// locked runs fn holding mu and the account file's lock (exclusive when write is set), so
// that another vpclink process on the same account never interleaves with it.
func (s *Sandbox) locked(write bool, fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	unlock, err := s.lockFile(write)
	if err != nil {
		return err
	}
	defer unlock()
	return fn()
}

// Links returns the sandbox's VPC link API, to pair with an emulator that lacks VPC links.
func (s *Sandbox) Links() *LinksAPI { return &LinksAPI{s} }

func (s *Sandbox) load() error {
	return s.locked(true, func() error {
		if s.path != "" {
			err := s.read()
			if err == nil || !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		s.st = seed(s.opts.Region, s.opts.Now())
		return s.save()
	})
}

// lockFile takes the account file's lock, exclusive for a change and shared for a read, and
// returns its release. The caller holds mu.
func (s *Sandbox) lockFile(write bool) (func(), error) {
	if s.fileLock == nil {
		return func() {}, nil
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return nil, fmt.Errorf("create state directory: %w", err)
	}
	lock := s.fileLock.RLock
	if write {
		lock = s.fileLock.Lock
	}
	if err := lock(); err != nil {
		return nil, fmt.Errorf("lock demo account %s: %w", s.path, err)
	}
	return func() { _ = s.fileLock.Unlock() }, nil
}

// read loads the account file. The caller holds mu and the file lock.
func (s *Sandbox) read() error {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err != nil {
		return fmt.Errorf("read demo account: %w", err)
	}
	if s.st != nil && bytes.Equal(b, s.loaded) {
		return nil // unchanged since this process last read or wrote it
	}
	st := &state{}
	if err := json.Unmarshal(b, st); err != nil {
		fix := "vpclink demo reset"
		if s.opts.Region != "us-east-1" {
			fix += " --region " + s.opts.Region
		}
		return fmt.Errorf("read demo account %s: %w; run `%s` to start it afresh", s.path, err, fix)
	}
	s.st, s.loaded = st, b
	return nil
}

// refresh reads the account again when another process has written it. The caller holds mu
// and the file lock.
func (s *Sandbox) refresh() error {
	if s.path == "" {
		return nil
	}
	if err := s.read(); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err // a missing file is written again on the next change
	}
	return nil
}

// save writes the account atomically and durably, mode 0600. The caller holds mu and the
// file lock, exclusive.
func (s *Sandbox) save() error {
	if s.path == "" {
		return nil
	}
	b, err := json.MarshalIndent(s.st, "", " ")
	if err != nil {
		return fmt.Errorf("encode demo account: %w", err)
	}
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".sandbox-*")
	if err != nil {
		return fmt.Errorf("save demo account: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save demo account: %w", err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save demo account: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save demo account: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save demo account: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("save demo account: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename is durable once the directory is
		d.Close()
	}
	s.loaded = b
	return nil
}

// do runs one API operation on the account under the lock: it counts the call, injects the
// configured faults and throttling, runs fn, and saves the account when write is set.
func (s *Sandbox) do(svc service, op string, write bool, fn func(st *state, now time.Time) error) error {
	return s.locked(write, func() error {
		if err := s.refresh(); err != nil {
			return err
		}
		s.calls[op]++
		if err := s.authorize(svc, op); err != nil {
			return err
		}
		if n, ok := s.faults[op]; ok && s.calls[op] == n {
			return injected(svc, op)
		}
		if s.opts.Throttle > 0 && randomFloat() < s.opts.Throttle {
			return throttled(svc)
		}
		if err := fn(s.st, s.opts.Now()); err != nil {
			return err
		}
		if write {
			return s.save()
		}
		return nil
	})
}

// delay scales a real-time AWS delay by the sandbox's speed.
func (s *Sandbox) delay(d time.Duration) time.Duration {
	return time.Duration(float64(d) * s.opts.Speed)
}

type service int

const (
	svcEC2 service = iota
	svcELB
	svcGateway
	svcSTS
)

func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}

// injected is the error a fault injected into op returns: the permission error AWS gives an
// identity whose policy lacks the action, the commonest real failure of a first setup.
func injected(svc service, op string) error {
	user := "arn:aws:iam::" + AccountID + ":user/demo"
	switch svc {
	case svcEC2:
		return apiErr("UnauthorizedOperation", "You are not authorized to perform this operation. User: "+user+" is not authorized to perform: ec2:"+op+" because no identity-based policy allows the ec2:"+op+" action")
	case svcELB:
		return apiErr("AccessDenied", "User: "+user+" is not authorized to perform: elasticloadbalancing:"+op+" because no identity-based policy allows the elasticloadbalancing:"+op+" action")
	case svcSTS:
		return apiErr("AccessDenied", "User: "+user+" is not authorized to perform: sts:"+op)
	}
	return apiErr("AccessDeniedException", "User: "+user+" is not authorized to perform: "+awsops.IAMAction(op)+" on resource: arn:aws:apigateway:*::/*")
}

func throttled(svc service) error {
	switch svc {
	case svcEC2:
		return apiErr("RequestLimitExceeded", "Request limit exceeded.")
	case svcELB:
		return apiErr("Throttling", "Rate exceeded")
	case svcSTS:
		return apiErr("Throttling", "Rate exceeded")
	}
	return apiErr("TooManyRequestsException", "Too Many Requests")
}

func randomHex(n int) string {
	b := make([]byte, (n+1)/2)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

func randomFloat() float64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	var u uint64
	for _, x := range b {
		u = u<<8 | uint64(x)
	}
	return float64(u>>11) / float64(1<<53)
}
