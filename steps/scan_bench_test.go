package steps_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// seedMany adds n whole chains to the demo account: an NLB with a listener, a target group
// and two targets, a VPC link, and a REST API with /{proxy+} ANY deployed to a stage with
// the variables; and n REST APIs without a VPC link integration.
func seedMany(b *testing.B, acct *awsops.Account, n int) {
	b.Helper()
	ctx := context.Background()
	vpcs, err := acct.ListVPCs(ctx)
	if err != nil {
		b.Fatal(err)
	}
	vpc := vpcs[slices.IndexFunc(vpcs, func(v awsops.VPC) bool { return v.Name == "prod-vpc" })]
	subnets, err := acct.FindSubnets(ctx, vpc.ID, []string{"prod-private-a", "prod-private-b"})
	if err != nil {
		b.Fatal(err)
	}
	ins, err := acct.FindInstances(ctx, vpc.ID, []string{"orders-api-1", "orders-api-2"})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		name := fmt.Sprintf("svc%03d", i)
		lb, err := acct.CreateLoadBalancer(ctx, name+"-nlb", []string{subnets[0].ID, subnets[1].ID}, nil)
		if err != nil {
			b.Fatal(err)
		}
		tg, err := acct.CreateTargetGroup(ctx, awsops.TargetGroupSpec{Name: name + "-tg", Port: 80, VPCID: vpc.ID, HealthCheck: awsops.HealthCheck{Path: "/", Interval: 30, HealthyThreshold: 3, UnhealthyThreshold: 3}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := acct.CreateListener(ctx, lb.ARN, 80, tg.ARN, nil); err != nil {
			b.Fatal(err)
		}
		if err := acct.RegisterTargets(ctx, tg.ARN, []string{ins[0].ID, ins[1].ID}, 80); err != nil {
			b.Fatal(err)
		}
		link, err := acct.CreateVPCLink(ctx, name+"-link", lb.ARN, nil)
		if err != nil {
			b.Fatal(err)
		}
		api, err := acct.CreateRestAPI(ctx, name, "REGIONAL", nil)
		if err != nil {
			b.Fatal(err)
		}
		rs, err := acct.ListResources(ctx, api.ID)
		if err != nil {
			b.Fatal(err)
		}
		proxy, err := acct.CreateResource(ctx, api.ID, rs["/"].ID, "{proxy+}")
		if err != nil {
			b.Fatal(err)
		}
		if err := acct.PutProxyMethod(ctx, api.ID, proxy.ID, awsops.Method{HTTPMethod: "ANY", Authorization: "NONE"}, false); err != nil {
			b.Fatal(err)
		}
		dep, err := acct.CreateDeployment(ctx, api.ID)
		if err != nil {
			b.Fatal(err)
		}
		vars := map[string]string{awsops.StageVarLink: link.ID, awsops.StageVarNLB: lb.DNSName}
		if err := acct.CreateStage(ctx, api.ID, "prod", dep, vars, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := acct.CreateRestAPI(ctx, name+"-public", "REGIONAL", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScan scans a demo account with 300 whole chains (300 NLBs, 300 VPC links, 300
// REST APIs with a VPC link integration) next to 300 REST APIs without one, and the seed's
// hand-made chain. It reports the AWS calls one scan makes, in all and by operation:
// listings walk their pages, and per-resource calls are only those no listing serves.
func BenchmarkScan(b *testing.B) {
	const n = 300
	sb := newSandboxB(b)
	acct := sb.Account()
	seedMany(b, acct, n)
	before := sb.Calls()
	list, err := steps.Scan(context.Background(), acct, nil)
	if err != nil {
		b.Fatal(err)
	}
	if len(list) != n+1 {
		b.Fatalf("found %d chains, want %d", len(list), n+1)
	}
	after := sb.Calls()
	for b.Loop() {
		if _, err := steps.Scan(context.Background(), acct, nil); err != nil {
			b.Fatal(err)
		}
	}
	// Reported after the loop: the timer's reset at its start deletes reported metrics.
	total := 0
	for _, op := range slices.Sorted(maps.Keys(after)) {
		if d := after[op] - before[op]; d > 0 {
			total += d
			b.ReportMetric(float64(d), op+"/scan")
		}
	}
	b.ReportMetric(float64(total), "calls/scan")
}

func newSandboxB(b *testing.B) *sandbox.Sandbox {
	b.Helper()
	sb, err := sandbox.New(sandbox.Options{Region: "us-east-1", Speed: 0})
	if err != nil {
		b.Fatal(err)
	}
	return sb
}
