package steps_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// TestHealthCheckRulesAgreeWithTheDemoAccount checks each health check against both the
// plan's validation and the demo account's CreateTargetGroup, which rejects what AWS does:
// a plan is valid exactly when AWS would create its target group.
func TestHealthCheckRulesAgreeWithTheDemoAccount(t *testing.T) {
	type hc = steps.HealthCheckPlan
	tests := map[string]struct {
		hc          hc
		valid       bool
		field, says string // where the plan says what, when it is not valid
	}{
		"the defaults":                           {hc: hc{}, valid: true},
		"the demo plan's 10 s interval":          {hc: hc{Interval: 10}, valid: true},
		"a 5 s interval with a 4 s timeout":      {hc: hc{Interval: 5, Timeout: 4}, valid: true},
		"a timeout as long as the interval":      {hc: hc{Interval: 20, Timeout: 20}, valid: true},
		"the widest matcher an NLB takes":        {hc: hc{Matcher: "200-599"}, valid: true},
		"a matcher of codes and ranges":          {hc: hc{Matcher: "200,204,300-399"}, valid: true},
		"a path of 1024 characters":              {hc: hc{Path: "/" + strings.Repeat("a", 1023)}, valid: true},
		"thresholds at their limits":             {hc: hc{HealthyThreshold: 10, UnhealthyThreshold: 2}, valid: true},
		"a 5 s interval with AWS's 10 s timeout": {hc: hc{Interval: 5}, field: "loadBalancer.healthCheck.interval", says: "shorter than AWS's default timeout"},
		"an interval under 5":                    {hc: hc{Interval: 4, Timeout: 2}, field: "loadBalancer.healthCheck.interval", says: "from 5 to 300"},
		"an interval over 300":                   {hc: hc{Interval: 301}, field: "loadBalancer.healthCheck.interval", says: "from 5 to 300"},
		"a timeout longer than the interval":     {hc: hc{Interval: 10, Timeout: 11}, field: "loadBalancer.healthCheck.timeout", says: "at most the interval"},
		"a timeout under 2":                      {hc: hc{Timeout: 1}, field: "loadBalancer.healthCheck.timeout", says: "from 2 to 120"},
		"a timeout over 120":                     {hc: hc{Interval: 300, Timeout: 121}, field: "loadBalancer.healthCheck.timeout", says: "from 2 to 120"},
		"a healthy threshold of 11":              {hc: hc{HealthyThreshold: 11}, field: "loadBalancer.healthCheck.healthyThreshold", says: "from 2 to 10"},
		"an unhealthy threshold of 11":           {hc: hc{UnhealthyThreshold: 11}, field: "loadBalancer.healthCheck.unhealthyThreshold", says: "from 2 to 10"},
		"a path without its slash":               {hc: hc{Path: "health"}, field: "loadBalancer.healthCheck.path", says: "start with /"},
		"a path over 1024 characters":            {hc: hc{Path: "/" + strings.Repeat("a", 1024)}, field: "loadBalancer.healthCheck.path", says: "at most 1024"},
		"a matcher code under 200":               {hc: hc{Matcher: "100-299"}, field: "loadBalancer.healthCheck.matcher", says: "outside 200-599"},
		"a matcher code over 599":                {hc: hc{Matcher: "200,600"}, field: "loadBalancer.healthCheck.matcher", says: "outside 200-599"},
		"a matcher that is not codes":            {hc: hc{Matcher: "ok"}, field: "loadBalancer.healthCheck.matcher", says: `e.g. "200-399"`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			p := &steps.Plan{Name: "orders", VPC: "prod-vpc", Subnets: []string{"prod-private-a"},
				Targets: steps.TargetsPlan{Instances: []string{"orders-api-1"}}, LoadBalancer: steps.LoadBalancerPlan{HealthCheck: tc.hc}}
			p.Defaults()
			errs := p.Validate()
			if (len(errs) == 0) != tc.valid {
				t.Fatalf("plan errors = %v; want valid = %v", errs, tc.valid)
			}
			if !tc.valid && (len(errs) != 1 || errs[0].Field != tc.field || !strings.Contains(errs[0].Message, tc.says)) {
				t.Errorf("plan errors = %v; want one on %s saying %q", errs, tc.field, tc.says)
			}
			// The same settings, as the target group step sends them, to the demo account.
			acct := newSandbox(t, "").Account()
			vpcs, err := acct.ListVPCs(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			h := p.LoadBalancer.HealthCheck
			_, err = acct.CreateTargetGroup(context.Background(), awsops.TargetGroupSpec{Name: "orders-tg", Port: 80, VPCID: vpcs[0].ID,
				HealthCheck: awsops.HealthCheck{Path: h.Path, Port: h.Port, Interval: h.Interval, HealthyThreshold: h.HealthyThreshold,
					UnhealthyThreshold: h.UnhealthyThreshold, Timeout: h.Timeout, Matcher: h.Matcher}})
			if (err == nil) != tc.valid {
				t.Errorf("the demo account's CreateTargetGroup: %v; the plan says valid = %v", err, tc.valid)
			}
			if err != nil && awsops.ErrorCode(err) != "ValidationError" {
				t.Errorf("the demo account's error %v is not AWS's ValidationError", err)
			}
		})
	}
}

// TestUnhealthyTargetsFailTheWaitByName applies a plan whose targets can never pass their
// health check: the wait names each instance, AWS's reason and what to check.
func TestUnhealthyTargetsFailTheWaitByName(t *testing.T) {
	sb := newSandbox(t, "")
	acct := sb.Account()
	p := loadPlan(t, "../examples/demo.yaml")
	p.LoadBalancer.HealthCheck.Matcher = "202" // the demo account's services answer 200
	j, err := apply(t, acct, nil, p)
	if err == nil {
		t.Fatal("apply succeeded; want the health wait to fail")
	}
	if s := j.Step(steps.IDTargetHealth); s == nil || s.Status != steps.Failed {
		t.Errorf("step %s = %+v; want failed", steps.IDTargetHealth, s)
	}
	for _, name := range []string{"orders-api-1", "orders-api-2"} {
		want := name + " (i-0"
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	for _, want := range []string{"0 of 2 targets", "unhealthy, Target.FailedHealthChecks (Health checks failed with these codes: [200]) — the service answers GET /health on port 80 with a code outside 202"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error:\n%v\nwant it to contain %q", err, want)
		}
	}
	if got := steps.Recommend(err); !strings.Contains(got, "retry or resume") {
		t.Errorf("advice = %q", got)
	}
}

// TestApplyWaitsForTargetsAtAWSSpeed builds the demo plan at AWS's own timings, in a bubble
// whose clock only moves while everything waits: the NLB provisions for minutes, the
// targets register and are checked, and the wait takes them as they come.
func TestApplyWaitsForTargetsAtAWSSpeed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sb, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 1})
		if err != nil {
			t.Fatal(err)
		}
		acct := sb.Account()
		ctx := context.Background()
		p := loadPlan(t, "../examples/demo.yaml")
		res, err := steps.Resolve(ctx, acct, p)
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var seen []string
		r := &steps.Runner{Account: acct, Events: func(e steps.Event) {
			if e.Step == steps.IDTargetHealth && (e.Kind == steps.StepStatus || e.Kind == steps.StepNote) {
				mu.Lock()
				seen = append(seen, e.Text)
				mu.Unlock()
			}
		}}
		j, err := r.NewJournal(p, res, "", true)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		if err := r.Apply(ctx, j); err != nil {
			t.Fatalf("apply: %v", err)
		}
		took := time.Since(start)
		t.Logf("the build took %s of AWS time", took)
		if took < 3*time.Minute {
			t.Errorf("the build took %s; the NLB alone takes 3 minutes", took)
		}
		all := strings.Join(seen, "\n")
		for _, want := range []string{"orders-api-1 (i-0", "initial", "Targets healthy: orders-api-1 (i-0"} {
			if !strings.Contains(all, want) {
				t.Errorf("the health step said:\n%s\nwant %q in it", all, want)
			}
		}
	})
}
