package steps_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/steps"
)

func TestStatusOfTellsHowTheRunHoldsEachResource(t *testing.T) {
	j := &steps.Journal{RunID: "orders-abc123", State: steps.StateFailed, Region: "us-east-1", Account: "123456789012",
		Steps: []steps.StepRecord{{ID: "create-vpc-link", Title: "VPC link", Status: steps.Failed, Error: "AWS said no"}},
		Resources: steps.Resources{
			LoadBalancerARN: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/shared/abc", LoadBalancerReused: true,
			Ingress:       []awsops.Rule{{GroupID: "sg-1", FromPort: 80, CIDR: "10.0.0.0/16"}},
			IngressShared: []awsops.Rule{{GroupID: "sg-2", FromPort: 80, CIDR: "10.0.0.0/16"}},
			VPCLinkID:     "abc123", RestAPIID: "api123", RestAPIReused: true, Stage: "dev", StageExisted: true,
		}}
	st := steps.StatusOf(j, "vpclink resume orders-abc123")
	var got []string
	for _, r := range st.Resources {
		got = append(got, r.Kind+" "+r.ID+" "+string(r.Origin))
	}
	want := []string{
		"load-balancer arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/shared/abc reused",
		"ingress-rule sg-1 tcp/80 from 10.0.0.0/16 created",
		"ingress-rule sg-2 tcp/80 from 10.0.0.0/16 adopted",
		"vpc-link abc123 created",
		"rest-api api123 reused",
		"stage dev adopted",
	}
	if !slices.Equal(got, want) {
		t.Errorf("resources =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"runId":"orders-abc123"`, `"state":"failed"`, `"account":"123456789012"`, `"region":"us-east-1"`, `"startedAt":`, `"updatedAt":`,
		`"steps":[{"id":"create-vpc-link","title":"VPC link","status":"failed","error":"AWS said no"}]`, `"next":"vpclink resume orders-abc123"`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("the JSON has no %s:\n%s", field, b)
		}
	}
	if strings.Contains(string(b), "plan") || strings.Contains(string(b), "vpcLinkReused") {
		t.Errorf("the JSON shows the journal's storage fields:\n%s", b)
	}
}
