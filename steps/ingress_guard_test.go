package steps_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/steps"
)

func TestNoRuleWiderThanTheVPCIsAuthorizedWhateverTheJournalSays(t *testing.T) {
	for name, cidr := range map[string]string{
		"a CIDR wider than the VPC":   "10.0.0.0/8",
		"half of the internet":        "0.0.0.0/1",
		"a CIDR outside the VPC":      "192.168.0.0/24",
		"another VPC's address range": "10.0.0.0/16",
	} {
		t.Run(name, func(t *testing.T) {
			sb := newSandbox(t, "")
			acct := sb.Account()
			store := &steps.Store{Dir: t.TempDir()}
			ctx := context.Background()
			p := loadPlan(t, "../examples/vpc-cidr.yaml")
			res, err := steps.Resolve(ctx, acct, p)
			if err != nil {
				t.Fatal(err)
			}
			r := &steps.Runner{Account: acct, Store: store}
			j, err := r.NewJournal(p, res, "", true)
			if err != nil {
				t.Fatal(err)
			}
			j.Resources.VPCCIDR = cidr // as an edited journal would say
			err = r.Apply(ctx, j)
			var se *steps.StepError
			if !errors.As(err, &se) || se.Step != steps.IDIngress || !strings.Contains(err.Error(), "wider than the VPC") {
				t.Errorf("apply = %v; want the ingress step to refuse %s", err, cidr)
			}
			groups, err := acct.ListSecurityGroups(ctx, res.VPC.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range groups {
				for _, rule := range g.Ingress {
					if rule.CIDR == cidr {
						t.Errorf("a rule from %s was authorized in %s", cidr, g.ID)
					}
				}
			}
		})
	}
}
