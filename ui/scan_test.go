package ui

import (
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

// Each finding says what it has and lacks, then the one next step that fits it: check for a
// whole chain of a run, finish for one finish can complete, and why not for the others.
func TestWriteFindingsSaysTheNextStep(t *testing.T) {
	lb := &steps.FoundNLB{Name: "orders-nlb", ARN: "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/orders-nlb/1", State: "active", Listeners: []int32{80}}
	for name, tc := range map[string]struct {
		f    steps.Finding
		want []string
		not  []string
	}{
		"a whole chain of a run is checked": {
			f:    steps.Finding{ID: "nlb-orders-nlb", Summary: "whole chain", Run: "orders-1a2b3c", Exists: steps.FindingExists{LoadBalancer: lb}},
			want: []string{"✔ nlb-orders-nlb  whole chain", "Check it:      vpclink check --demo orders-1a2b3c"},
			not:  []string{"Finish it"},
		},
		"a chain that lacks a VPC link is finished": {
			f: steps.Finding{ID: "nlb-orders-nlb", Summary: "half", Exists: steps.FindingExists{LoadBalancer: lb},
				Missing: []string{"a VPC link"}, Finish: []string{"create a VPC link to load balancer orders-nlb"}},
			want: []string{"! nlb-orders-nlb  half", "missing        a VPC link", "finish would   create a VPC link", "Finish it:     vpclink finish --demo nlb-orders-nlb",
				"Review first:  vpclink scan --demo --plan nlb-orders-nlb -o nlb-orders-nlb.yaml"},
		},
		"a chain with unregistered targets is not finished": {
			f: steps.Finding{ID: "nlb-orders-nlb", Summary: "half", Exists: steps.FindingExists{LoadBalancer: lb},
				Missing: []string{"registered targets"}, Broken: []string{"target group orders-tg has no registered targets"}},
			want: []string{"broken         target group orders-tg has no registered targets", "not finished:  mend what is broken"},
			not:  []string{"Finish it"},
		},
		"an API that reaches no link is not finished": {
			f: steps.Finding{ID: "api-abc", Summary: "alone", Exists: steps.FindingExists{APIs: []steps.FoundAPI{{ID: "abc", Name: "x", Via: "${stageVariables.VPCLink}"}}},
				Missing: []string{"a deployment of API abc"}},
			want: []string{"not finished:  api-abc has no load balancer"},
			not:  []string{"Finish it"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			WriteFindings(&b, []steps.Finding{tc.f}, "--demo")
			for _, w := range tc.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in\n%s", w, b.String())
				}
			}
			for _, n := range tc.not {
				if strings.Contains(b.String(), n) {
					t.Errorf("%q should not be in\n%s", n, b.String())
				}
			}
		})
	}
	var b strings.Builder
	WriteFindings(&b, nil, "")
	if !strings.Contains(b.String(), "No VPC-link chain in this region") {
		t.Errorf("no findings: %s", b.String())
	}
}
