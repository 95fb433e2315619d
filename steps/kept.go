package steps

import (
	"context"
	"fmt"
	"slices"

	"github.com/vpclink/vpclink/awsops"
)

// Unrecorded lists what a run may have created without recording it: a step stopped in the
// middle of its create call (ctrl+c, a crash, a timeout) leaves a resource whose id never
// reached the journal. Each entry names the resource by the name or tag vpclink gave it,
// which is how destroy (and resume) find it again.
func Unrecorded(j *Journal) []string {
	r, id := j.Resources, j.RunID
	var out []string
	stopped := func(step string) bool {
		s := j.Step(step)
		return s != nil && (s.Status == Failed || s.Status == Running)
	}
	if stopped(IDTargetGroup) && r.TargetGroupARN == "" {
		out = append(out, "target group "+tgName(id))
	}
	if stopped(IDLoadBalancer) && r.LoadBalancerARN == "" && !r.LoadBalancerReused {
		out = append(out, "load balancer "+lbName(id))
	}
	if stopped(IDIngress) && !r.LoadBalancerReused {
		out = append(out, fmt.Sprintf("security group rules described %q", ruleDescription(id)))
	}
	if stopped(IDVPCLink) && r.VPCLinkID == "" && !r.VPCLinkReused {
		out = append(out, fmt.Sprintf("VPC link %s (tag %s=%s)", linkName(id), awsops.TagRun, id))
	}
	if stopped(IDRestAPI) && r.RestAPIID == "" && !r.RestAPIReused {
		out = append(out, fmt.Sprintf("REST API %s (tag %s=%s)", apiName(&j.Plan), awsops.TagRun, id))
	}
	if stopped(IDAPIKey) {
		if r.APIKeyID == "" {
			out = append(out, "API key "+keyName(id))
		}
		if r.UsagePlanID == "" {
			out = append(out, "usage plan "+keyName(id))
		}
	}
	return out
}

// Found is one recorded resource of a run, as the account has it now.
type Found struct {
	// What names the resource, e.g. "VPC link abc123".
	What string
	// Exists is false when the resource is gone (or could not be checked: see Note).
	Exists bool
	// Note says more: its state, or what resume will do about it.
	Note string
}

// CheckRecorded looks up each resource the journal recorded as this run's own, so that
// resume can show what exists before it builds the rest. A resource that cannot be checked
// (no permission, say) is listed with the reason; it is never an error.
func CheckRecorded(ctx context.Context, acct *awsops.Account, j *Journal) []Found {
	r := j.Resources
	var out []Found
	add := func(what string, err error, note string) {
		switch {
		case awsops.IsNotFound(err):
			out = append(out, Found{What: what, Note: "gone: resume creates it again"})
		case err != nil:
			out = append(out, Found{What: what, Note: "could not check: " + err.Error()})
		default:
			out = append(out, Found{What: what, Exists: true, Note: note})
		}
	}
	if r.TargetGroupARN != "" {
		_, err := acct.GetTargetGroup(ctx, r.TargetGroupARN)
		add("target group "+awsops.ResourceName(r.TargetGroupARN), err, "")
	}
	if r.LoadBalancerARN != "" {
		lb, err := acct.GetLoadBalancer(ctx, r.LoadBalancerARN)
		what := "load balancer " + awsops.ResourceName(r.LoadBalancerARN)
		if r.LoadBalancerReused {
			what += " (reused)"
		}
		add(what, err, lb.State)
	}
	if len(r.Ingress) > 0 {
		var groups []string
		for _, rule := range r.Ingress {
			if !slices.Contains(groups, rule.GroupID) {
				groups = append(groups, rule.GroupID)
			}
		}
		sgs, err := acct.ListSecurityGroups(ctx, r.VPCID, groups...)
		have := 0
		for _, g := range sgs {
			for _, rule := range g.Ingress {
				if slices.Contains(r.Ingress, rule) {
					have++
				}
			}
		}
		what := fmt.Sprintf("%d security group rule(s)", len(r.Ingress))
		switch {
		case err != nil:
			add(what, err, "")
		case have == len(r.Ingress):
			add(what, nil, "")
		default:
			out = append(out, Found{What: what, Exists: have > 0, Note: fmt.Sprintf("%d of them in place: resume adds the others", have)})
		}
	}
	if r.VPCLinkID != "" {
		l, err := acct.GetVPCLink(ctx, r.VPCLinkID)
		what := "VPC link " + r.VPCLinkID
		if r.VPCLinkReused {
			what += " (reused)"
		}
		note := l.Status
		switch {
		case l.Status == "DELETING" && !r.VPCLinkReused:
			note = "DELETING: resume waits until it is gone, then makes a new one"
		case l.Status == "FAILED" && !r.VPCLinkReused:
			note = "FAILED: resume replaces it with a new one and moves the stage to it"
		}
		add(what, err, note)
	}
	if r.RestAPIID != "" {
		a, err := acct.GetRestAPI(ctx, r.RestAPIID)
		what := "REST API " + r.RestAPIID
		if r.RestAPIReused {
			what += " (reused)"
		}
		add(what, err, a.Name)
	}
	if r.APIKeyID != "" || r.UsagePlanID != "" {
		k, found, err := acct.FindAPIKey(ctx, keyName(j.RunID), awsops.TagRun, j.RunID)
		if err == nil && !found {
			out = append(out, Found{What: "API key " + r.APIKeyID, Note: "gone: resume creates it again"})
		} else {
			add("API key "+cmpOr(k.ID, r.APIKeyID), err, "")
		}
	}
	return out
}
