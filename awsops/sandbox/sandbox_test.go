package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
)

// clock is a fake time source that tests move forward by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func open(t *testing.T, o sandbox.Options) (*sandbox.Sandbox, *awsops.Account) {
	t.Helper()
	sb, err := sandbox.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return sb, sb.Account()
}

// world is the demo account's production VPC as a test needs it.
type world struct {
	vpc     awsops.VPC
	subnets map[string]awsops.Subnet
	inst    map[string]awsops.Instance
}

func look(t *testing.T, a *awsops.Account) world {
	t.Helper()
	ctx := context.Background()
	vpcs, err := a.ListVPCs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := world{subnets: map[string]awsops.Subnet{}, inst: map[string]awsops.Instance{}}
	for _, v := range vpcs {
		if v.Name == "prod-vpc" {
			w.vpc = v
		}
	}
	subnets, _ := a.ListSubnets(ctx, w.vpc.ID)
	for _, s := range subnets {
		w.subnets[s.Name] = s
	}
	instances, _ := a.ListInstances(ctx, w.vpc.ID)
	for _, i := range instances {
		w.inst[i.Name] = i
	}
	return w
}

func TestSeedLooksLikeASmallCompanyAccount(t *testing.T) {
	_, a := open(t, sandbox.Options{Region: "eu-central-1"})
	ctx := context.Background()
	vpcs, err := a.ListVPCs(ctx)
	if err != nil || len(vpcs) < 2 {
		t.Fatalf("vpcs = %v, %v", vpcs, err)
	}
	w := look(t, a)
	ids := map[string]*regexp.Regexp{
		w.vpc.ID:                                 regexp.MustCompile(`^vpc-0[0-9a-f]{16}$`),
		w.subnets["prod-private-a"].ID:           regexp.MustCompile(`^subnet-0[0-9a-f]{16}$`),
		w.inst["orders-api-1"].ID:                regexp.MustCompile(`^i-0[0-9a-f]{16}$`),
		w.inst["orders-api-1"].SecurityGroups[0]: regexp.MustCompile(`^sg-0[0-9a-f]{16}$`),
	}
	for id, re := range ids {
		if !re.MatchString(id) {
			t.Errorf("id %q does not look like AWS's (%s)", id, re)
		}
	}
	if !w.subnets["prod-public-a"].Public || w.subnets["prod-private-a"].Public {
		t.Errorf("public flags: public-a %v, private-a %v", w.subnets["prod-public-a"].Public, w.subnets["prod-private-a"].Public)
	}
	azs := map[string]bool{}
	for _, s := range w.subnets {
		azs[s.AZ] = true
	}
	if len(azs) != 3 || !azs["eu-central-1c"] {
		t.Errorf("AZs = %v; want three in the account's region", azs)
	}
	if w.inst["orders-api-3"].State != "stopped" || w.inst["orders-api-1"].State != "running" {
		t.Errorf("states: %s, %s", w.inst["orders-api-3"].State, w.inst["orders-api-1"].State)
	}
	// The seed is the same every time for a region, so examples and screenshots keep their ids.
	_, b := open(t, sandbox.Options{Region: "eu-central-1"})
	if look(t, b).vpc.ID != w.vpc.ID {
		t.Errorf("seed ids change between accounts")
	}
}

func TestLoadBalancerAndVPCLinkTakeTimeAtTheDemoSpeed(t *testing.T) {
	c := &clock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	_, a := open(t, sandbox.Options{Speed: 1, Now: c.Now})
	ctx := context.Background()
	w := look(t, a)
	lb, err := a.CreateLoadBalancer(ctx, "orders-nlb", []string{w.subnets["prod-private-a"].ID, w.subnets["prod-private-b"].ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/orders-nlb/[0-9a-f]{16}$`).MatchString(lb.ARN) {
		t.Errorf("arn = %s", lb.ARN)
	}
	if lb.State != "provisioning" {
		t.Errorf("new load balancer is %s, want provisioning", lb.State)
	}
	// A link made before the NLB is active ends FAILED, as AWS's does.
	early, _ := a.CreateVPCLink(ctx, "early", lb.ARN, nil)
	c.Add(3 * time.Minute)
	if got, _ := a.GetLoadBalancer(ctx, lb.ARN); got.State != "active" {
		t.Errorf("after 3 minutes the load balancer is %s, want active", got.State)
	}
	c.Add(5 * time.Minute)
	if got, _ := a.GetVPCLink(ctx, early.ID); got.Status != "FAILED" || !strings.Contains(got.StatusMessage, "not in the active state") {
		t.Errorf("early link = %s %q; want FAILED saying the NLB was not active", got.Status, got.StatusMessage)
	}
	_ = a.DeleteVPCLink(ctx, early.ID)
	c.Add(time.Minute)
	link, err := a.CreateVPCLink(ctx, "orders-link", lb.ARN, map[string]string{"vpclink:run": "r1"})
	if err != nil {
		t.Fatal(err)
	}
	if link.Status != "PENDING" || !regexp.MustCompile(`^[a-z0-9]{6}$`).MatchString(link.ID) {
		t.Errorf("new link = %+v", link)
	}
	c.Add(4 * time.Minute)
	if got, _ := a.GetVPCLink(ctx, link.ID); got.Status != "PENDING" {
		t.Errorf("after 4 minutes the link is %s, want PENDING", got.Status)
	}
	c.Add(time.Minute)
	if got, _ := a.GetVPCLink(ctx, link.ID); got.Status != "AVAILABLE" {
		t.Errorf("after 5 minutes the link is %s, want AVAILABLE", got.Status)
	}
}

func TestTargetHealthFollowsTheSecurityGroups(t *testing.T) {
	sb, a := open(t, sandbox.Options{Speed: 0})
	ctx := context.Background()
	w := look(t, a)
	lb, _ := a.CreateLoadBalancer(ctx, "n", []string{w.subnets["prod-private-a"].ID, w.subnets["prod-private-b"].ID, w.subnets["prod-private-c"].ID}, nil)
	tg, err := a.CreateTargetGroup(ctx, awsops.TargetGroupSpec{Name: "t", Port: 80, VPCID: w.vpc.ID, HealthCheck: awsops.HealthCheck{Path: "/", Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 3}})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{w.inst["orders-api-1"].ID, w.inst["orders-api-2"].ID}
	if err := a.RegisterTargets(ctx, tg.ARN, ids, 80); err != nil {
		t.Fatal(err)
	}
	// AWS registers running instances only; one stopped after its registration is unused.
	if err := sb.StopInstance(ids[1]); err != nil {
		t.Fatal(err)
	}
	health := func() map[string]awsops.TargetHealth {
		list, err := a.TargetHealth(ctx, tg.ARN)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]awsops.TargetHealth{}
		for _, h := range list {
			m[h.ID] = h
		}
		return m
	}
	if h := health()[ids[0]]; h.Reason != "Target.NotInUse" {
		t.Errorf("without a listener: %+v; want Target.NotInUse", h)
	}
	if _, err := a.CreateListener(ctx, lb.ARN, 80, tg.ARN, nil); err != nil {
		t.Fatal(err)
	}
	if h := health()[ids[0]]; h.State != "unhealthy" || h.Reason != "Target.FailedHealthChecks" {
		t.Errorf("before any ingress rule: %+v; want unhealthy Target.FailedHealthChecks", h)
	}
	if h := health()[ids[1]]; h.State != "unused" || h.Reason != "Target.InvalidState" {
		t.Errorf("stopped instance: %+v; want unused Target.InvalidState", h)
	}
	ips, _ := a.LoadBalancerIPs(ctx, lb.ARN)
	if len(ips) != 3 {
		t.Fatalf("NLB IPs = %v; want one per subnet", ips)
	}
	group := w.inst["orders-api-1"].SecurityGroups[0]
	for i, ip := range ips {
		if _, err := a.AuthorizeIngress(ctx, awsops.Rule{GroupID: group, Protocol: "tcp", FromPort: 80, ToPort: 80, CIDR: ip + "/32"}, nil); err != nil {
			t.Fatal(err)
		}
		want := "unhealthy"
		if i == len(ips)-1 {
			want = "healthy" // only once every NLB address is admitted
		}
		if h := health()[ids[0]]; h.State != want {
			t.Errorf("after admitting %d of %d addresses: %s, want %s", i+1, len(ips), h.State, want)
		}
	}
}

func TestDeleteRulesHold(t *testing.T) {
	_, a := open(t, sandbox.Options{Speed: 0})
	ctx := context.Background()
	w := look(t, a)
	lb, _ := a.CreateLoadBalancer(ctx, "n", []string{w.subnets["prod-private-a"].ID}, nil)
	tg, _ := a.CreateTargetGroup(ctx, awsops.TargetGroupSpec{Name: "t", Port: 80, VPCID: w.vpc.ID, HealthCheck: awsops.HealthCheck{Path: "/", Interval: 30, HealthyThreshold: 3, UnhealthyThreshold: 3}})
	if _, err := a.CreateListener(ctx, lb.ARN, 80, tg.ARN, nil); err != nil {
		t.Fatal(err)
	}
	link, _ := a.CreateVPCLink(ctx, "l", lb.ARN, nil)
	api, _ := a.CreateRestAPI(ctx, "api", "REGIONAL", nil)
	rs, _ := a.ListResources(ctx, api.ID)
	proxy, _ := a.CreateResource(ctx, api.ID, rs["/"].ID, "{proxy+}")
	if err := a.PutProxyMethod(ctx, api.ID, proxy.ID, awsops.Method{HTTPMethod: "GET"}, false); err != nil {
		t.Fatal(err)
	}
	dep, err := a.CreateDeployment(ctx, api.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.CreateStage(ctx, api.ID, "dev", dep, map[string]string{"VPCLink": link.ID, "VPCNLB": lb.DNSName}, nil); err != nil {
		t.Fatal(err)
	}
	expect := func(what string, err error, code string) {
		t.Helper()
		if awsops.ErrorCode(err) != code {
			t.Errorf("%s: %v; want %s", what, err, code)
		}
	}
	expect("deleting a target group a listener uses", a.DeleteTargetGroup(ctx, tg.ARN), "ResourceInUse")
	expect("deleting a load balancer a VPC link targets", a.DeleteLoadBalancer(ctx, lb.ARN), "ResourceInUse")
	expect("deleting a VPC link a stage uses", a.DeleteVPCLink(ctx, link.ID), "BadRequestException")
	expect("a second VPC link to the same load balancer", func() error { _, err := a.CreateVPCLink(ctx, "l2", lb.ARN, nil); return err }(), "BadRequestException")
	// In dependency order everything goes, and "already gone" counts as done.
	for _, step := range []func() error{
		func() error { return a.DeleteRestAPI(ctx, api.ID) },
		func() error { return a.DeleteVPCLink(ctx, link.ID) },
		func() error { return a.DeleteLoadBalancer(ctx, lb.ARN) },
		func() error { return a.DeleteTargetGroup(ctx, tg.ARN) },
		func() error { return a.DeleteTargetGroup(ctx, tg.ARN) },
		func() error { return a.DeleteVPCLink(ctx, link.ID) },
	} {
		if err := step(); err != nil {
			t.Errorf("delete in order: %v", err)
		}
	}
}

func TestTheAccountPersistsBetweenInvocations(t *testing.T) {
	dir := t.TempDir()
	sb, a := open(t, sandbox.Options{Dir: dir, Speed: 0})
	w := look(t, a)
	if _, err := a.CreateLoadBalancer(context.Background(), "kept", []string{w.subnets["prod-private-a"].ID}, nil); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, "sandbox-us-east-1.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("account file: %v, mode %v; want 0600", err, info.Mode().Perm())
	}
	_, b := open(t, sandbox.Options{Dir: dir, Speed: 0})
	if _, err := b.GetLoadBalancer(context.Background(), "kept"); err != nil {
		t.Errorf("a second invocation does not see the load balancer: %v", err)
	}
	if err := sb.Reset(); err != nil {
		t.Fatal(err)
	}
	_, c := open(t, sandbox.Options{Dir: dir, Speed: 0})
	if _, err := c.GetLoadBalancer(context.Background(), "kept"); !awsops.IsNotFound(err) {
		t.Errorf("after reset: %v; want not found", err)
	}
}

func TestFaultInjection(t *testing.T) {
	tests := map[string]struct {
		env     map[string]string
		wantErr string
	}{
		"an operation fails on its first call by default": {env: map[string]string{"VPCLINK_SANDBOX_FAIL": "DescribeVpcs"}},
		"a call number picks the n-th call":               {env: map[string]string{"VPCLINK_SANDBOX_FAIL": "DescribeVpcs:2"}},
		"an unknown operation is refused by name":         {env: map[string]string{"VPCLINK_SANDBOX_FAIL": "DescribeVpc"}, wantErr: `unknown operation "DescribeVpc"`},
		"a bad call number is refused":                    {env: map[string]string{"VPCLINK_SANDBOX_FAIL": "DescribeVpcs:0"}, wantErr: "is not a call number"},
		"a speed outside 0 to 1 is refused":               {env: map[string]string{"VPCLINK_DEMO_SPEED": "2"}, wantErr: "from 0 (instant) to 1"},
		"a throttle share of 1 is refused":                {env: map[string]string{"VPCLINK_SANDBOX_THROTTLE": "1"}, wantErr: "up to (not including) 1"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			for _, k := range []string{"VPCLINK_SANDBOX_FAIL", "VPCLINK_DEMO_SPEED", "VPCLINK_SANDBOX_THROTTLE"} {
				t.Setenv(k, tc.env[k])
			}
			o, err := sandbox.OptionsFromEnv("", "us-east-1")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, a := open(t, o)
			a.Pace.MaxAttempts = 1
			n := 1
			if strings.HasSuffix(tc.env["VPCLINK_SANDBOX_FAIL"], ":2") {
				n = 2
			}
			for call := 1; call <= 3; call++ {
				_, err := a.ListVPCs(context.Background())
				var pe *awsops.PermissionError
				if failed := err != nil; failed != (call == n) {
					t.Errorf("call %d: err = %v", call, err)
				} else if failed && !errorsAs(err, &pe) {
					t.Errorf("call %d: %v is not a permission error", call, err)
				}
			}
		})
	}
}

func TestThrottlingIsRetriedAway(t *testing.T) {
	_, a := open(t, sandbox.Options{Speed: 0, Throttle: 0.5})
	a.Pace.MaxAttempts = 40 // 0.5^40: no call fails them all
	for range 20 {
		if _, err := a.ListVPCs(context.Background()); err != nil {
			t.Fatalf("a throttled call was not retried: %v", err)
		}
	}
}

func TestTwoInvocationsSeeEachOthersChanges(t *testing.T) {
	dir := t.TempDir()
	_, wizard := open(t, sandbox.Options{Dir: dir, Speed: 0})
	_, other := open(t, sandbox.Options{Dir: dir, Speed: 0}) // say, vpclink destroy in another terminal
	w := look(t, wizard)
	lb, err := wizard.CreateLoadBalancer(context.Background(), "shared", []string{w.subnets["prod-private-a"].ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.DeleteLoadBalancer(context.Background(), lb.ARN); err != nil {
		t.Fatalf("the other invocation does not see the new load balancer: %v", err)
	}
	if _, err := wizard.GetLoadBalancer(context.Background(), lb.ARN); !awsops.IsNotFound(err) {
		t.Errorf("the first invocation still sees the deleted load balancer: %v", err)
	}
}

// DescribeTags takes at most 20 ARNs, as AWS does: more is a ValidationError, and TagsOf
// asks 20 at a time.
func TestDescribeTagsTakesAtMost20ARNs(t *testing.T) {
	sb, err := sandbox.New(sandbox.Options{Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	acct := sb.Account()
	lb, err := acct.GetLoadBalancer(context.Background(), sandbox.LegacyLoadBalancer)
	if err != nil {
		t.Fatal(err)
	}
	arns := slices.Repeat([]string{lb.ARN}, 21)
	before := sb.Calls()["DescribeTags"]
	if _, err := acct.TagsOf(context.Background(), arns); err != nil {
		t.Fatalf("TagsOf of 21 ARNs: %v", err)
	}
	if calls := sb.Calls()["DescribeTags"] - before; calls != 2 {
		t.Errorf("TagsOf of 21 ARNs made %d DescribeTags calls, want 2", calls)
	}
	_, err = acct.ELB.DescribeTags(context.Background(), &elb.DescribeTagsInput{ResourceArns: arns})
	if err == nil || !strings.Contains(err.Error(), "ValidationError") {
		t.Errorf("21 ARNs in one call: %v, want a ValidationError", err)
	}
}
