package sandbox_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
)

// healthOf returns each target's health by instance name.
func healthOf(t *testing.T, a *awsops.Account, w world, tgARN string) map[string]awsops.TargetHealth {
	t.Helper()
	list, err := a.TargetHealth(context.Background(), tgARN)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]awsops.TargetHealth{}
	for _, h := range list {
		byID[h.ID] = h
	}
	out := map[string]awsops.TargetHealth{}
	for name, inst := range w.inst {
		if h, ok := byID[inst.ID]; ok {
			out[name] = h
		}
	}
	return out
}

// admitNLB lets every address of the load balancer reach port in the instance's group.
func admitNLB(t *testing.T, a *awsops.Account, lbARN, group string, port int32) {
	t.Helper()
	ctx := context.Background()
	ips, err := a.LoadBalancerIPs(ctx, lbARN)
	if err != nil {
		t.Fatal(err)
	}
	for _, ip := range ips {
		if _, err := a.AuthorizeIngress(ctx, awsops.Rule{GroupID: group, Protocol: "tcp", FromPort: port, ToPort: port, CIDR: ip + "/32"}, nil); err != nil {
			t.Fatal(err)
		}
	}
}

// serveOrdersAPIs puts orders-api-1 and orders-api-2 behind the load balancer's listener on
// port 80, health-checked on path, and admits the load balancer to their group; it returns
// the target group's ARN.
func serveOrdersAPIs(t *testing.T, a *awsops.Account, w world, lbARN, path string) string {
	t.Helper()
	ctx := context.Background()
	tg, err := a.CreateTargetGroup(ctx, awsops.TargetGroupSpec{Name: "t", Port: 80, VPCID: w.vpc.ID, HealthCheck: awsops.HealthCheck{Path: path, Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 3}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RegisterTargets(ctx, tg.ARN, []string{w.inst["orders-api-1"].ID, w.inst["orders-api-2"].ID}, 80); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateListener(ctx, lbARN, 80, tg.ARN, nil); err != nil {
		t.Fatal(err)
	}
	admitNLB(t, a, lbARN, w.inst["orders-api-1"].SecurityGroups[0], 80)
	return tg.ARN
}

func TestTargetHealthGoesUnusedThenInitialThenDecidedAsAWSReportsIt(t *testing.T) {
	type want struct{ state, reason, desc string }
	hc := awsops.HealthCheck{Path: "/health", Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 2}
	tests := map[string]struct {
		hc    awsops.HealthCheck
		admit bool
		// what orders-api-1 shows: with no listener, right after the listener, 20 s later,
		// and once its checks have run
		noListener, registering, checking, decided want
		decidedAfter                               time.Duration
	}{
		"a target the load balancer can reach becomes healthy after interval × healthy threshold": {
			hc: hc, admit: true,
			noListener:   want{"unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"},
			registering:  want{"initial", "Elb.RegistrationInProgress", "Target registration is in progress"},
			checking:     want{"initial", "Elb.InitialHealthChecking", "Initial health checks in progress"},
			decided:      want{"healthy", "", ""},
			decidedAfter: 30 * time.Second,
		},
		"a target no security group admits fails after interval × unhealthy threshold": {
			hc:           hc,
			noListener:   want{"unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"},
			registering:  want{"initial", "Elb.RegistrationInProgress", "Target registration is in progress"},
			checking:     want{"initial", "Elb.InitialHealthChecking", "Initial health checks in progress"},
			decided:      want{"unhealthy", "Target.FailedHealthChecks", "Health checks failed"},
			decidedAfter: 20 * time.Second,
		},
		"a service whose code the matcher refuses fails with the code": {
			hc: awsops.HealthCheck{Path: "/health", Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 2, Matcher: "201-299,404"}, admit: true,
			noListener:   want{"unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer"},
			registering:  want{"initial", "Elb.RegistrationInProgress", "Target registration is in progress"},
			checking:     want{"initial", "Elb.InitialHealthChecking", "Initial health checks in progress"},
			decided:      want{"unhealthy", "Target.FailedHealthChecks", "Health checks failed with these codes: [200]"},
			decidedAfter: 20 * time.Second,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := &clock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
			sb, a := open(t, sandbox.Options{Speed: 1, Now: c.Now})
			ctx := context.Background()
			w := look(t, a)
			lb, err := a.CreateLoadBalancer(ctx, "n", []string{w.subnets["prod-private-a"].ID, w.subnets["prod-private-b"].ID}, nil)
			if err != nil {
				t.Fatal(err)
			}
			tg, err := a.CreateTargetGroup(ctx, awsops.TargetGroupSpec{Name: "t", Port: 80, VPCID: w.vpc.ID, HealthCheck: tc.hc})
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{w.inst["orders-api-1"].ID, w.inst["orders-api-2"].ID, w.inst["billing-worker-1"].ID}
			if err := a.RegisterTargets(ctx, tg.ARN, ids, 80); err != nil {
				t.Fatal(err)
			}
			// AWS registers running instances only; one stopped after its registration is unused.
			if err := sb.StopInstance(w.inst["orders-api-2"].ID); err != nil {
				t.Fatal(err)
			}
			if tc.admit {
				admitNLB(t, a, lb.ARN, w.inst["orders-api-1"].SecurityGroups[0], 80)
			}
			check := func(when string, w want, got awsops.TargetHealth) {
				t.Helper()
				if got.State != w.state || got.Reason != w.reason || got.Description != w.desc {
					t.Errorf("%s: %s, %s %q; want %s, %s %q", when, got.State, got.Reason, got.Description, w.state, w.reason, w.desc)
				}
			}
			c.Add(4 * time.Minute) // the load balancer is active
			check("registered, no listener", tc.noListener, healthOf(t, a, w, tg.ARN)["orders-api-1"])
			if _, err := a.CreateListener(ctx, lb.ARN, 80, tg.ARN, nil); err != nil {
				t.Fatal(err)
			}
			h := healthOf(t, a, w, tg.ARN)
			check("right after the listener", tc.registering, h["orders-api-1"])
			check("a stopped instance", want{"unused", "Target.InvalidState", "Target is in the stopped state"}, h["orders-api-2"])
			c.Add(20 * time.Second)
			check("registered", tc.checking, healthOf(t, a, w, tg.ARN)["orders-api-1"])
			c.Add(tc.decidedAfter - time.Second)
			check("a second before the last check", tc.checking, healthOf(t, a, w, tg.ARN)["orders-api-1"])
			c.Add(time.Second)
			check("after the checks", tc.decided, healthOf(t, a, w, tg.ARN)["orders-api-1"])
		})
	}
}

func TestATargetInAZoneTheLoadBalancerLacksIsNotInUse(t *testing.T) {
	_, a := open(t, sandbox.Options{Speed: 0})
	ctx := context.Background()
	w := look(t, a)
	lb, _ := a.CreateLoadBalancer(ctx, "n", []string{w.subnets["prod-private-a"].ID}, nil)
	tgARN := serveOrdersAPIs(t, a, w, lb.ARN, "/")
	h := healthOf(t, a, w, tgARN)
	if got := h["orders-api-1"]; got.State != "healthy" {
		t.Errorf("orders-api-1, in the load balancer's zone: %+v; want healthy", got)
	}
	if got := h["orders-api-2"]; got.State != "unused" || got.Reason != "Target.NotInUse" || got.Description != "Target is in an Availability Zone that is not enabled for the load balancer" {
		t.Errorf("orders-api-2, in another zone: %+v; want unused, Target.NotInUse for its zone", got)
	}
}

func TestCreateTargetGroupRejectsHealthChecksAsAWSDoes(t *testing.T) {
	ok := awsops.HealthCheck{Path: "/health", Interval: 30, HealthyThreshold: 3, UnhealthyThreshold: 3}
	with := func(f func(*awsops.HealthCheck)) awsops.HealthCheck { hc := ok; f(&hc); return hc }
	tests := map[string]struct {
		hc      awsops.HealthCheck
		wantErr string
	}{
		"AWS's usual settings pass":                 {hc: ok},
		"a timeout equal to the interval passes":    {hc: with(func(h *awsops.HealthCheck) { h.Interval, h.Timeout = 10, 10 })},
		"an interval of 10 takes AWS's default 10s": {hc: with(func(h *awsops.HealthCheck) { h.Interval = 10 })},
		"NLB matcher codes up to 599 pass":          {hc: with(func(h *awsops.HealthCheck) { h.Matcher = "200-399,404,500-599" })},
		"an interval under 5": {hc: with(func(h *awsops.HealthCheck) { h.Interval = 4 }),
			wantErr: "ValidationError: 1 validation error detected: Value '4' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value greater than or equal to 5"},
		"an interval over 300": {hc: with(func(h *awsops.HealthCheck) { h.Interval = 301 }),
			wantErr: "Value '301' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value less than or equal to 300"},
		"a timeout over 120 and a threshold of 11, together": {hc: with(func(h *awsops.HealthCheck) { h.Timeout, h.HealthyThreshold = 121, 11 }),
			wantErr: "2 validation errors detected: Value '121' at 'healthCheckTimeoutSeconds' failed to satisfy constraint: Member must have value less than or equal to 120; Value '11' at 'healthyThresholdCount'"},
		"an unhealthy threshold of 1": {hc: with(func(h *awsops.HealthCheck) { h.UnhealthyThreshold = 1 }),
			wantErr: "Value '1' at 'unhealthyThresholdCount' failed to satisfy constraint: Member must have value greater than or equal to 2"},
		"a timeout longer than the interval": {hc: with(func(h *awsops.HealthCheck) { h.Interval, h.Timeout = 10, 11 }),
			wantErr: "ValidationError: Health check timeout '11' must be smaller than or equal to the interval '10'"},
		"an interval shorter than AWS's default timeout": {hc: with(func(h *awsops.HealthCheck) { h.Interval = 5 }),
			wantErr: "Health check timeout '10' must be smaller than or equal to the interval '5'"},
		"a path without its slash": {hc: with(func(h *awsops.HealthCheck) { h.Path = "health" }),
			wantErr: "Health check path must start with a '/'"},
		"a path over 1024 characters": {hc: with(func(h *awsops.HealthCheck) { h.Path = "/" + strings.Repeat("a", 1024) }),
			wantErr: "at 'healthCheckPath' failed to satisfy constraint: Member must have length less than or equal to 1024"},
		"a matcher code under 200": {hc: with(func(h *awsops.HealthCheck) { h.Matcher = "100-299" }),
			wantErr: "Health check matcher HTTP code '100-299' must be within '200-599' inclusive"},
		"a matcher that is not codes": {hc: with(func(h *awsops.HealthCheck) { h.Matcher = "ok" }),
			wantErr: "HttpCode must be like 200 | 200-399 | 200,201 ..."},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, a := open(t, sandbox.Options{Speed: 0})
			w := look(t, a)
			_, err := a.CreateTargetGroup(context.Background(), awsops.TargetGroupSpec{Name: "t", Port: 80, VPCID: w.vpc.ID, HealthCheck: tc.hc})
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("CreateTargetGroup: %v", err)
				}
				return
			}
			if awsops.ErrorCode(err) != "ValidationError" || !strings.Contains(fmt.Sprint(err), tc.wantErr) {
				t.Errorf("err = %v; want a ValidationError containing %q", err, tc.wantErr)
			}
		})
	}
}

// RegisterTargets refuses an instance that is not running, as AWS does, naming it in AWS's
// words, and registers none of the request's targets.
func TestRegisterTargetsRefusesAnInstanceThatIsNotRunning(t *testing.T) {
	_, a := open(t, sandbox.Options{Speed: 0})
	ctx := context.Background()
	w := look(t, a)
	tg, err := a.CreateTargetGroup(ctx, awsops.TargetGroupSpec{Name: "t", Port: 80, VPCID: w.vpc.ID, HealthCheck: awsops.HealthCheck{Path: "/", Interval: 10, HealthyThreshold: 3, UnhealthyThreshold: 3}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := w.inst["orders-api-3"].ID
	err = a.RegisterTargets(ctx, tg.ARN, []string{w.inst["orders-api-1"].ID, stopped}, 80)
	want := "InvalidTarget: The following targets are not in a running state and cannot be registered: '" + stopped + "'"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("register a stopped instance: %v; want %q", err, want)
	}
	if h, err := a.TargetHealth(ctx, tg.ARN); err != nil || len(h) != 0 {
		t.Errorf("targets after the refusal = %+v, %v; want none", h, err)
	}
	if err := a.RegisterTargets(ctx, tg.ARN, []string{w.inst["orders-api-1"].ID}, 80); err != nil {
		t.Errorf("register a running instance: %v", err)
	}
}
