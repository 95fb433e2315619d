package steps

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

func newLB(p *Plan) bool { return p.LoadBalancer.Existing == "" }

// Names of what a run creates, derived from its run id so that runs never share a resource.
func tgName(runID string) string   { return runID + "-tg" }
func lbName(runID string) string   { return runID + "-nlb" }
func linkName(runID string) string { return runID + "-link" }
func keyName(runID string) string  { return runID + "-key" }
func ruleDescription(runID string) string {
	return "vpclink " + runID
}

// tags are the tags every resource of a run gets: the user's and the run id.
func tags(run *Run) map[string]string {
	t := maps.Clone(run.Plan().Tags)
	if t == nil {
		t = map[string]string{}
	}
	t[awsops.TagRun] = run.ID()
	return t
}

// ErrNotOurs says a resource with the name vpclink wanted belongs to something else.
var ErrNotOurs = errors.New("exists but was not created by this run")

// healthCheck is the plan's health check as the target group gets it.
func healthCheck(p *Plan) awsops.HealthCheck {
	hc := p.LoadBalancer.HealthCheck
	return awsops.HealthCheck{Path: hc.Path, Port: hc.Port, Interval: hc.Interval, HealthyThreshold: hc.HealthyThreshold,
		UnhealthyThreshold: hc.UnhealthyThreshold, Timeout: hc.Timeout, Matcher: hc.Matcher}
}

// findELB looks up an ELB resource of this run: by the ARN the journal recorded, else by the
// name the run gives it. found is false when there is none; a resource with that name but
// another run's tag comes back as an ErrNotOurs error, for do to refuse and undo to skip.
func findELB[T any](ctx context.Context, acct *awsops.Account, runID, recorded, name string, get func(context.Context, string) (T, error), arn func(T) string) (res T, found bool, err error) {
	for _, ref := range []string{recorded, name} {
		if ref == "" {
			continue
		}
		res, err = get(ctx, ref)
		if awsops.IsNotFound(err) {
			continue
		}
		if err != nil {
			return res, false, err
		}
		t, err := acct.Tags(ctx, arn(res))
		if err != nil {
			return res, false, err
		}
		if t[awsops.TagRun] != runID {
			return res, false, fmt.Errorf("%s %w (its %s tag is %q): delete or rename it, or apply the plan under another name", name, ErrNotOurs, awsops.TagRun, t[awsops.TagRun])
		}
		return res, true, nil
	}
	return res, false, nil
}

func tgARN(tg awsops.TargetGroup) string  { return tg.ARN }
func lbARN(lb awsops.LoadBalancer) string { return lb.ARN }

// ruleText names an ingress rule as status and the list of what remains show it:
// "GROUP tcp/PORT from CIDR".
func ruleText(r awsops.Rule) string {
	return fmt.Sprintf("%s tcp/%d from %s", r.GroupID, r.FromPort, r.CIDR)
}

// ignoreNotOurs lets undo pass over a resource that only shares this run's name.
func ignoreNotOurs(err error) error {
	if errors.Is(err, ErrNotOurs) {
		return nil
	}
	return err
}

// linksByTag returns every VPC link tagged with the run, but those already being deleted. A
// create stopped before its id reached the journal, then a retry, leaves more than one.
func linksByTag(ctx context.Context, acct *awsops.Account, runID string) ([]awsops.VPCLink, error) {
	links, err := acct.ListVPCLinks(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(links, func(l awsops.VPCLink) bool {
		return l.Tags[awsops.TagRun] != runID || l.Status == "DELETING"
	}), nil
}

// apisByTag returns every REST API tagged with the run.
func apisByTag(ctx context.Context, acct *awsops.Account, runID string) ([]awsops.RestAPI, error) {
	apis, err := acct.ListRestAPIs(ctx)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(apis, func(a awsops.RestAPI) bool { return a.Tags[awsops.TagRun] != runID }), nil
}

func linkID(l awsops.VPCLink) string { return l.ID }
func apiID(a awsops.RestAPI) string  { return a.ID }

// withDuplicates returns the recorded id, when there is one, then the id of every other
// resource found by the run's tag: all of them are the run's to delete.
func withDuplicates[T any](recorded string, found []T, id func(T) string) []string {
	var ids []string
	if recorded != "" {
		ids = append(ids, recorded)
	}
	for _, f := range found {
		if !slices.Contains(ids, id(f)) {
			ids = append(ids, id(f))
		}
	}
	return ids
}

// adoptedNote says which resource of an earlier attempt a step adopts, and names the others
// that carry the run's tag too: they are left for destroy, which deletes every one.
func adoptedNote(kind, adopted string, others []string, runID string) string {
	note := "Found " + kind + " " + adopted + " from an earlier attempt."
	if len(others) > 0 {
		note += fmt.Sprintf(" The run's tag is also on %s %s, not used: `vpclink destroy %s` deletes them with the rest.", kind, strings.Join(others, ", "), runID)
	}
	return note
}
