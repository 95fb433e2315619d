package steps_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/vpclink/vpclink/awsops"
	"github.com/vpclink/vpclink/awsops/sandbox"
	"github.com/vpclink/vpclink/steps"
)

// legacy is the seed's hand-made chain as the account shows it.
type legacy struct {
	lb    awsops.LoadBalancer
	link  awsops.VPCLink
	api   awsops.RestAPI
	tg    awsops.TargetGroup
	proxy awsops.Resource
}

func readLegacy(t *testing.T, acct *awsops.Account) legacy {
	t.Helper()
	ctx := context.Background()
	var l legacy
	var err error
	if l.lb, err = acct.GetLoadBalancer(ctx, sandbox.LegacyLoadBalancer); err != nil {
		t.Fatal(err)
	}
	if l.tg, err = acct.GetTargetGroup(ctx, sandbox.LegacyTargetGroup); err != nil {
		t.Fatal(err)
	}
	links, err := acct.ListVPCLinks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range links {
		if x.Name == sandbox.LegacyVPCLink {
			l.link = x
		}
	}
	apis, err := acct.ListRestAPIs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range apis {
		if a.Name == sandbox.LegacyRestAPI {
			l.api = a
			rs, err := acct.ListResources(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			l.proxy = rs["/{proxy+}"]
		}
	}
	return l
}

func findingOf(t *testing.T, acct *awsops.Account, runs []*steps.Journal, id string) steps.Finding {
	t.Helper()
	f, err := steps.FindFinding(context.Background(), acct, runs, id)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The demo account's hand-made chain, broken down into each shape people abandon: scan
// names what is missing, finish builds only that and leaves what it adopted as it was,
// check then passes, and a destroy of the finish run leaves the hand-made parts in place.
// Targets never registered need the instances named (Plan says which are running, and
// refuses without them); finish registers them and opens their groups, and destroy
// deregisters and revokes only that. A security group never opened is opened to the
// load balancer's addresses, and destroy revokes only the rules finish added.
func TestScanAndFinishEachHalfMadeShape(t *testing.T) {
	ctx := context.Background()
	const id = "nlb-" + sandbox.LegacyLoadBalancer
	for name, tc := range map[string]struct {
		setup       func(t *testing.T, acct *awsops.Account, l legacy)
		wantMissing string
		wantFinish  string   // a line of what finish would do
		instances   []string // finish --instances
	}{
		"a stage deployed without the stage variables (the seed)": {
			wantMissing: "stage variables VPCLink, VPCNLB on stage prod",
		},
		"an NLB with no VPC link": {
			setup: func(t *testing.T, acct *awsops.Account, l legacy) {
				if err := acct.DeleteVPCLink(ctx, l.link.ID); err != nil {
					t.Fatal(err)
				}
				if err := acct.WaitVPCLinkDeleted(ctx, l.link.ID, func(string) {}); err != nil {
					t.Fatal(err)
				}
			},
			wantMissing: "a VPC link",
		},
		"a VPC link nobody uses": {
			setup: func(t *testing.T, acct *awsops.Account, l legacy) {
				if err := acct.DeleteRestAPI(ctx, l.api.ID); err != nil {
					t.Fatal(err)
				}
			},
			wantMissing: "a REST API",
		},
		"a deployment never made": {
			setup: func(t *testing.T, acct *awsops.Account, l legacy) {
				if err := acct.DeleteStage(ctx, l.api.ID, sandbox.LegacyStage); err != nil {
					t.Fatal(err)
				}
				deps, err := acct.ListDeployments(ctx, l.api.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range deps {
					if err := acct.DeleteDeployment(ctx, l.api.ID, d.ID); err != nil {
						t.Fatal(err)
					}
				}
			},
			wantMissing: "a deployment of API",
		},
		"targets never registered": {
			setup: func(t *testing.T, acct *awsops.Account, l legacy) {
				hs, err := acct.TargetHealth(ctx, l.tg.ARN)
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, h := range hs {
					ids = append(ids, h.ID)
				}
				if err := acct.DeregisterTargets(ctx, l.tg.ARN, ids, 80); err != nil {
					t.Fatal(err)
				}
			},
			wantMissing: "registered targets",
			wantFinish:  "register the instances named with --instances with " + sandbox.LegacyTargetGroup,
			instances:   []string{"orders-api-1", "orders-api-2"},
		},
		"a security group never opened": {
			setup: func(t *testing.T, acct *awsops.Account, l legacy) {
				sgs, err := acct.ListSecurityGroups(ctx, l.lb.VPCID)
				if err != nil {
					t.Fatal(err)
				}
				for _, g := range sgs {
					for _, r := range g.Ingress {
						if r.Description == "legacy orders NLB" {
							if err := acct.RevokeIngress(ctx, r); err != nil {
								t.Fatal(err)
							}
						}
					}
				}
			},
			wantMissing: "a security group rule that admits the load balancer",
			wantFinish:  "/32 to orders-api-sg",
		},
	} {
		t.Run(name, func(t *testing.T) {
			sb := newSandbox(t, "")
			acct := sb.Account()
			before := readLegacy(t, acct)
			if tc.setup != nil {
				tc.setup(t, acct, before)
				before = readLegacy(t, acct)
			}
			f := findingOf(t, acct, nil, id)
			if !slices.ContainsFunc(f.Missing, func(m string) bool { return strings.Contains(m, tc.wantMissing) }) {
				t.Fatalf("scan names %q among what is missing: %+v", tc.wantMissing, f)
			}
			if f.Run != "" {
				t.Errorf("a hand-made chain has no run, got %q", f.Run)
			}
			if tc.wantFinish != "" && !slices.ContainsFunc(f.Finish, func(m string) bool { return strings.Contains(m, tc.wantFinish) }) {
				t.Errorf("scan says finish would %q: %q", tc.wantFinish, f.Finish)
			}
			if tc.instances != nil {
				var need *steps.TargetsNeededError
				if draft, err := f.Plan(); !errors.As(err, &need) || draft == nil || len(draft.Targets.Instances) != 0 ||
					!strings.Contains(err.Error(), "--instances") || !strings.Contains(err.Error(), "orders-api-1") {
					t.Fatalf("without instances finish asks for --instances and lists the running ones: %v %+v", err, draft)
				}
			}
			ingressBefore := groupRules(t, acct, before.lb.VPCID)
			p, err := f.Plan(tc.instances...)
			if err != nil {
				t.Fatal(err)
			}
			res, err := steps.Resolve(ctx, acct, p)
			if err != nil {
				t.Fatal(err)
			}
			store := &steps.Store{Dir: t.TempDir()}
			r := &steps.Runner{Account: acct, Store: store}
			j, err := r.NewJournal(p, res, "", true)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Apply(ctx, j); err != nil {
				t.Fatal(err)
			}
			after := readLegacy(t, acct)
			if !reflect.DeepEqual(after.lb, before.lb) || !reflect.DeepEqual(after.tg, before.tg) {
				t.Errorf("the adopted load balancer and target group are as they were:\n%+v\n%+v", before, after)
			}
			if before.link.ID != "" && !reflect.DeepEqual(after.link, before.link) {
				t.Errorf("the adopted VPC link is as it was: %+v, now %+v", before.link, after.link)
			}
			if before.api.ID != "" && !reflect.DeepEqual(after.proxy, before.proxy) {
				t.Errorf("the adopted /{proxy+} is as it was: %+v, now %+v", before.proxy, after.proxy)
			}
			if got := findingOf(t, acct, []*steps.Journal{j}, id); !got.Complete() || got.Run != j.RunID {
				t.Errorf("after finish the chain is whole and names run %s: %+v", j.RunID, got)
			}
			report, err := steps.CheckRun(ctx, acct, j, "/")
			if err != nil || !report.OK {
				t.Fatalf("check passes after finish: %v %+v", err, report)
			}
			if adopted := steps.Adopted(j); !slices.ContainsFunc(adopted, func(s string) bool { return strings.HasPrefix(s, "load balancer "+sandbox.LegacyLoadBalancer) }) {
				t.Errorf("the journal marks the load balancer adopted: %v", adopted)
			}

			if err := r.Rollback(ctx, j, steps.StateDestroyed); err != nil {
				t.Fatal(err)
			}
			left := readLegacy(t, acct)
			if got := groupRules(t, acct, before.lb.VPCID); !reflect.DeepEqual(got, ingressBefore) {
				t.Errorf("destroy revokes only the rules finish added:\n%v\n%v", ingressBefore, got)
			}
			if hs, err := acct.TargetHealth(ctx, before.tg.ARN); err != nil || (tc.instances != nil && len(hs) != 0) || (tc.instances == nil && len(hs) == 0) {
				t.Errorf("destroy deregisters only what finish registered: %v %+v", err, hs)
			}
			if !reflect.DeepEqual(left.lb, before.lb) || !reflect.DeepEqual(left.tg, before.tg) || left.link.ID != before.link.ID || left.api.ID != before.api.ID {
				t.Errorf("destroy leaves the hand-made parts:\n%+v\n%+v", before, left)
			}
			if before.api.ID != "" && !reflect.DeepEqual(left.proxy, before.proxy) {
				t.Errorf("destroy leaves the hand-made /{proxy+}: %+v, now %+v", before.proxy, left.proxy)
			}
			if again := findingOf(t, acct, []*steps.Journal{j}, id); !slices.ContainsFunc(again.Missing, func(m string) bool { return strings.Contains(m, tc.wantMissing) }) {
				t.Errorf("after destroy the chain lacks what it lacked before: %+v", again)
			}
		})
	}
}

// groupRules is every ingress rule of the VPC's security groups, by group.
func groupRules(t *testing.T, acct *awsops.Account, vpc string) map[string][]awsops.Rule {
	t.Helper()
	sgs, err := acct.ListSecurityGroups(context.Background(), vpc)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]awsops.Rule{}
	for _, g := range sgs {
		out[g.ID] = g.Ingress
	}
	return out
}

// Findings have stable ids: two scans of an unchanged account give the same list.
func TestScanIsStable(t *testing.T) {
	acct := newSandbox(t, "").Account()
	a, err := steps.Scan(context.Background(), acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := steps.Scan(context.Background(), acct, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 1 || a[0].ID != "nlb-"+sandbox.LegacyLoadBalancer || !reflect.DeepEqual(a, b) {
		t.Errorf("the seed holds one chain, found alike twice:\n%+v\n%+v", a, b)
	}
}
