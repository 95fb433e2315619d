package steps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// Runs may share resources: a security group rule that admits a whole VPC CIDR serves every
// run with targets behind that group, and a plan may reuse the load balancer and VPC link of
// another run. Undo keeps what another live run relies on, and says which run keeps it.

// Live reports whether the run may still hold or rely on resources: it is neither
// destroyed nor rolled back.
func (j *Journal) Live() bool { return j.State != StateDestroyed && j.State != StateRolledBack }

// KeptError says undo left a resource in place because another live run uses it. The run
// stays unfinished, so that destroying it again, once the other run is gone, deletes it.
type KeptError struct {
	RunID string // the run whose undo kept it
	What  string // the resource, e.g. "load balancer orders-3f9a1c-nlb"
	By    string // the run that uses it
}

// Error names the resource and the run that keeps it.
func (e *KeptError) Error() string {
	return fmt.Sprintf("kept %s: run %s uses it", e.What, e.By)
}

// RecommendActions says how to delete it later.
func (e *KeptError) RecommendActions() string {
	return fmt.Sprintf("destroy run %s first (or leave both), then run `vpclink destroy %s` again to delete it", e.By, e.RunID)
}

// others returns the journals of the other live runs in this run's store, region and account.
func (r *Run) others() ([]*Journal, error) {
	if r.store == nil {
		return nil, nil
	}
	list, err := r.store.List()
	if err != nil {
		return nil, fmt.Errorf("check which runs share resources with %s: %w", r.ID(), err)
	}
	var out []*Journal
	for _, j := range list {
		if j.RunID == r.j.RunID || !j.Live() || j.Region != r.j.Region ||
			(j.Account != "" && r.j.Account != "" && j.Account != r.j.Account) {
			continue
		}
		out = append(out, j)
	}
	return out, nil
}

// loadBalancerUser returns the id of another live run that reuses this run's load balancer
// or VPC link (a link targets the load balancer), or "".
func loadBalancerUser(run *Run) (string, error) {
	res := run.Resources()
	if res.LoadBalancerReused || res.LoadBalancerARN == "" {
		return "", nil
	}
	others, err := run.others()
	if err != nil {
		return "", err
	}
	for _, j := range others {
		o := j.Resources
		if (o.LoadBalancerReused && o.LoadBalancerARN == res.LoadBalancerARN) ||
			(res.VPCLinkID != "" && o.VPCLinkReused && o.VPCLinkID == res.VPCLinkID) {
			return j.RunID, nil
		}
	}
	return "", nil
}

// vpcLinkUser returns the id of another live run that reuses this run's VPC link, or "".
func vpcLinkUser(run *Run) (string, error) {
	res := run.Resources()
	if res.VPCLinkReused || res.VPCLinkID == "" {
		return "", nil
	}
	others, err := run.others()
	if err != nil {
		return "", err
	}
	for _, j := range others {
		if j.Resources.VPCLinkReused && j.Resources.VPCLinkID == res.VPCLinkID {
			return j.RunID, nil
		}
	}
	return "", nil
}

// keepForLoadBalancerUser returns a *KeptError when another live run uses this run's load
// balancer: what serves it (the NLB, its listener, target group, targets and the rules that
// admit it) stays.
func keepForLoadBalancerUser(run *Run, what string) error {
	by, err := loadBalancerUser(run)
	if err != nil || by == "" {
		return err
	}
	return &KeptError{RunID: run.ID(), What: what, By: by}
}

// sameRule reports whether two rules are one rule to AWS, which keeps one rule per group,
// protocol, port range and CIDR whatever their descriptions.
func sameRule(a, b awsops.Rule) bool {
	return a.GroupID == b.GroupID && a.Protocol == b.Protocol && a.FromPort == b.FromPort && a.ToPort == b.ToPort && a.CIDR == b.CIDR
}

func hasRule(rules []awsops.Rule, r awsops.Rule) bool {
	for _, x := range rules {
		if sameRule(x, r) {
			return true
		}
	}
	return false
}

// ruleUser returns the id of a run among others that created or relies on rule, or "".
// A run relies on a rule it recorded, and on one that admits its load balancer to one of its
// targets: the second catches a run still adding its rules, and journals that did not record
// the rules they found. instances are the VPC's, for their security groups.
func ruleUser(others []*Journal, rule awsops.Rule, instances []awsops.Instance) string {
	for _, j := range others {
		if hasRule(j.Resources.Ingress, rule) || hasRule(j.Resources.IngressShared, rule) || admitsRun(j, rule, instances) {
			return j.RunID
		}
	}
	return ""
}

// admitsRun reports whether rule lets run j's load balancer reach one of j's targets.
func admitsRun(j *Journal, rule awsops.Rule, instances []awsops.Instance) bool {
	res := j.Resources
	if res.LoadBalancerReused {
		return false // its load balancer's own run admits it
	}
	srcs := res.LoadBalancerIPs
	if j.Plan.SecurityGroups.Mode == ModeVPCCIDR {
		srcs = []string{res.VPCCIDR}
	}
	groups := map[string]awsops.SecurityGroup{rule.GroupID: {ID: rule.GroupID, Ingress: []awsops.Rule{rule}}}
	for _, in := range instances {
		if !slices.Contains(res.InstanceIDs, in.ID) || !slices.Contains(in.SecurityGroups, rule.GroupID) {
			continue
		}
		for _, port := range IngressPorts(&j.Plan) {
			for _, src := range srcs {
				if admitted(in, groups, src, port) {
					return true
				}
			}
		}
	}
	return false
}

// sameVPC returns the runs among others whose targets are in vpcID.
func sameVPC(others []*Journal, vpcID string) []*Journal {
	var out []*Journal
	for _, j := range others {
		if j.Resources.VPCID == vpcID {
			out = append(out, j)
		}
	}
	return out
}

// ruleCreator returns the run id a rule's description names ("vpclink <run>"), or "".
func ruleCreator(rule awsops.Rule) string {
	id, ok := strings.CutPrefix(rule.Description, ruleDescription(""))
	if !ok {
		return ""
	}
	return id
}

// BuiltBy returns the run in the store that already built plan p in region: complete, not
// destroyed, with the same plan. account, when a run recorded its account, is asked for the
// caller's, and a run of another account does not count. It returns nil when there is none.
func (s *Store) BuiltBy(p *Plan, region string, account func() (string, error)) (*Journal, error) {
	want, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode plan %s: %w", p.Name, err)
	}
	list, err := s.List()
	if err != nil {
		return nil, err
	}
	caller := ""
	for i := len(list) - 1; i >= 0; i-- { // the newest first
		j := list[i]
		if j.State != StateComplete || j.Region != region {
			continue
		}
		if have, err := json.Marshal(&j.Plan); err != nil || !bytes.Equal(have, want) {
			continue
		}
		if j.Account != "" && account != nil {
			if caller == "" {
				if caller, err = account(); err != nil {
					return nil, err
				}
			}
			if caller != j.Account {
				continue
			}
		}
		return j, nil
	}
	return nil, nil
}
