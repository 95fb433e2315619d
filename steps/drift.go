package steps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// DriftState says how one resource of a run compares with what its journal records.
type DriftState string

// The drift states.
const (
	DriftOK      DriftState = "ok"      // exists as the run made it
	DriftMissing DriftState = "missing" // recorded, gone
	DriftChanged DriftState = "changed" // exists, but differs from what the run made
	DriftExtra   DriftState = "extra"   // tagged with the run, not recorded
)

// Drift is one resource of a run as it is now.
type Drift struct {
	Resource string     `json:"resource"`
	ID       string     `json:"id"`
	State    DriftState `json:"state"`
	Detail   string     `json:"detail"`
	// Mended says whether resume puts it back as the run made it.
	Mended bool `json:"-"`
}

// DriftNext is what to do about a run's drift.
type DriftNext int

// What to do about drift.
const (
	// NextCheck: nothing drifted; check sends a request through the chain.
	NextCheck DriftNext = iota
	// NextResume: what drifted, resume makes again.
	NextResume
	// NextDestroy: resources tagged with the run are not in its journal; destroy removes
	// them with the rest.
	NextDestroy
	// NextRebuild: something changed that resume leaves as it is; destroy, then apply the
	// plan again.
	NextRebuild
)

// DriftReport compares a run's journal with what exists now in its account and region.
type DriftReport struct {
	RunID string
	Items []Drift
}

// Drifted reports whether any resource is missing, changed or extra.
func (r DriftReport) Drifted() bool {
	return slices.ContainsFunc(r.Items, func(d Drift) bool { return d.State != DriftOK })
}

// Next decides what to do: extra copies call for destroy; a change resume leaves as it is
// calls for destroy and a new apply; anything else that drifted, resume mends.
func (r DriftReport) Next() DriftNext {
	if !r.Drifted() {
		return NextCheck
	}
	if slices.ContainsFunc(r.Items, func(d Drift) bool { return d.State == DriftExtra }) {
		return NextDestroy
	}
	if slices.ContainsFunc(r.Items, func(d Drift) bool { return d.State != DriftOK && !d.Mended }) {
		return NextRebuild
	}
	return NextResume
}

// drift collects a report's rows.
type drift struct{ items []Drift }

func (d *drift) ok(resource, id, detail string) {
	d.items = append(d.items, Drift{Resource: resource, ID: id, State: DriftOK, Detail: detail})
}

func (d *drift) missing(resource, id, detail string, mended bool) {
	d.items = append(d.items, Drift{Resource: resource, ID: id, State: DriftMissing, Detail: detail, Mended: mended})
}

func (d *drift) extra(resource, id, detail string) {
	d.items = append(d.items, Drift{Resource: resource, ID: id, State: DriftExtra, Detail: detail})
}

// changes is what differs in one resource: each "field was → now", and whether resume puts
// every one of them back.
type changes struct {
	diffs  []string
	mended bool
}

func (c *changes) compare(field, was, now string, mended bool) {
	if was == now {
		return
	}
	if len(c.diffs) == 0 {
		c.mended = true
	}
	c.diffs = append(c.diffs, fmt.Sprintf("%s %s → %s", field, cmpOr(was, "(none)"), cmpOr(now, "(none)")))
	c.mended = c.mended && mended
}

// row adds the resource as changed when something differs, else as ok with detail.
func (d *drift) row(resource, id string, c changes, detail string) {
	if len(c.diffs) > 0 {
		d.items = append(d.items, Drift{Resource: resource, ID: id, State: DriftChanged, Detail: strings.Join(c.diffs, "; "), Mended: c.mended})
		return
	}
	d.ok(resource, id, detail)
}

// CompareLive compares what the journal of a run records with what exists now: each recorded
// resource is ok, missing or changed (the field, as the run made it → as it is), and the
// resources tagged with the run that the journal does not record are extra. It only reads.
func CompareLive(ctx context.Context, acct *awsops.Account, j *Journal) (DriftReport, error) {
	d := &drift{}
	for _, compare := range []func(context.Context, *awsops.Account, *Journal, *drift) error{
		driftLoadBalancer, driftIngress, driftVPCLink, driftAPI, driftAPIKey,
	} {
		if err := compare(ctx, acct, j, d); err != nil {
			return DriftReport{}, fmt.Errorf("compare run %s with what exists: %w", j.RunID, err)
		}
	}
	return DriftReport{RunID: j.RunID, Items: d.items}, nil
}

// driftLoadBalancer compares the target group, the load balancer, its listener and the
// registered targets.
func driftLoadBalancer(ctx context.Context, acct *awsops.Account, j *Journal, d *drift) error {
	res, p := j.Resources, &j.Plan
	tgFound := false
	if res.TargetGroupARN != "" {
		tg, err := acct.GetTargetGroup(ctx, res.TargetGroupARN)
		switch {
		case awsops.IsNotFound(err):
			d.missing("target-group", res.TargetGroupARN, "gone", true)
		case err != nil:
			return err
		default:
			tgFound = true
			var c changes
			want, have := healthCheck(p), tg.HealthCheck
			c.compare("port", fmt.Sprint(p.Targets.Port), fmt.Sprint(tg.Port), false)
			if want.Path != "" {
				c.compare("health check path", want.Path, have.Path, false)
			}
			c.compare("health check port", trafficPort(want.Port), trafficPort(have.Port), false)
			compareSet(&c, "health check interval", want.Interval, have.Interval)
			compareSet(&c, "healthy threshold", want.HealthyThreshold, have.HealthyThreshold)
			compareSet(&c, "unhealthy threshold", want.UnhealthyThreshold, have.UnhealthyThreshold)
			compareSet(&c, "health check timeout", want.Timeout, have.Timeout)
			if want.Matcher != "" {
				c.compare("health check matcher", want.Matcher, have.Matcher, false)
			}
			d.row("target-group", res.TargetGroupARN, c, "health check "+cmpOr(have.Path, "/")+" on "+trafficPort(have.Port))
		}
	}
	lbFound := false
	if res.LoadBalancerARN != "" {
		lb, err := acct.GetLoadBalancer(ctx, res.LoadBalancerARN)
		switch {
		case awsops.IsNotFound(err):
			d.missing("load-balancer", res.LoadBalancerARN, "gone", !res.LoadBalancerReused)
		case err != nil:
			return err
		default:
			lbFound = true
			var c changes
			c.compare("state", "active", lb.State, false)
			c.compare("scheme", "internal", lb.Scheme, false)
			if !res.LoadBalancerReused && len(res.SubnetIDs) > 0 {
				c.compare("subnets", joinSorted(res.SubnetIDs), joinSorted(lb.Subnets), false)
			}
			d.row("load-balancer", res.LoadBalancerARN, c, lb.State+", "+lb.Scheme+", "+joinSorted(lb.Subnets))
		}
	}
	if res.ListenerARN != "" {
		var listeners []awsops.Listener
		if lbFound {
			var err error
			if listeners, err = acct.ListListeners(ctx, res.LoadBalancerARN); err != nil && !awsops.IsNotFound(err) {
				return err
			}
		}
		i := slices.IndexFunc(listeners, func(l awsops.Listener) bool { return l.ARN == res.ListenerARN })
		if i < 0 {
			d.missing("listener", res.ListenerARN, fmt.Sprintf("no listener on port %d", p.LoadBalancer.Port), true)
		} else {
			l := listeners[i]
			var c changes
			// A listener moved to another port: resume adds one on the plan's port.
			c.compare("port", fmt.Sprint(p.LoadBalancer.Port), fmt.Sprint(l.Port), true)
			c.compare("target group", res.TargetGroupARN, l.TargetGroupARN, false)
			d.row("listener", res.ListenerARN, c, fmt.Sprintf("TCP %d → %s", l.Port, awsops.ResourceName(l.TargetGroupARN)))
		}
	}
	if len(res.Registered) > 0 && res.TargetGroupARN != "" {
		var health []awsops.TargetHealth
		if tgFound {
			var err error
			if health, err = acct.TargetHealth(ctx, res.TargetGroupARN); err != nil && !awsops.IsNotFound(err) {
				return err
			}
		}
		for _, id := range res.Registered {
			i := slices.IndexFunc(health, func(t awsops.TargetHealth) bool { return t.ID == id })
			if i < 0 {
				d.missing("target", id, "not registered in "+awsops.ResourceName(res.TargetGroupARN), true)
				continue
			}
			t := health[i]
			var c changes
			c.compare("port", fmt.Sprint(p.Targets.Port), fmt.Sprint(t.Port), true)
			detail := t.State
			if t.Reason != "" {
				detail += " (" + t.Reason + ")"
			}
			d.row("target", id, c, detail)
		}
	}
	return nil
}

// compareSet compares a health check number the plan sets; 0 leaves AWS's default.
func compareSet(c *changes, field string, want, have int32) {
	if want != 0 {
		c.compare(field, fmt.Sprint(want), fmt.Sprint(have), false)
	}
}

func trafficPort(p int32) string {
	if p == 0 {
		return "traffic-port"
	}
	return fmt.Sprint(p)
}

func joinSorted(s []string) string { return strings.Join(slices.Sorted(slices.Values(s)), ",") }

// driftIngress compares the security group rules the run added; rules described as the
// run's that the journal lacks are extra.
func driftIngress(ctx context.Context, acct *awsops.Account, j *Journal, d *drift) error {
	res := j.Resources
	if res.VPCID == "" || (len(res.Ingress) == 0 && res.LoadBalancerReused) {
		return nil
	}
	groups, err := acct.ListSecurityGroups(ctx, res.VPCID)
	if err != nil {
		return err
	}
	have := map[awsops.Rule]bool{}
	for _, g := range groups {
		for _, r := range g.Ingress {
			have[r] = true
		}
	}
	for _, r := range res.Ingress {
		id := fmt.Sprintf("%s tcp %d %s", r.GroupID, r.FromPort, r.CIDR)
		if have[r] {
			d.ok("ingress-rule", id, "admits the load balancer")
		} else {
			d.missing("ingress-rule", id, "revoked", true)
		}
	}
	desc := ruleDescription(j.RunID)
	for _, g := range groups {
		for _, r := range g.Ingress {
			if r.Description == desc && !slices.Contains(res.Ingress, r) {
				d.extra("ingress-rule", fmt.Sprintf("%s tcp %d %s", r.GroupID, r.FromPort, r.CIDR), "described as this run's, not in its journal")
			}
		}
	}
	return nil
}

// driftVPCLink compares the VPC link; other links tagged with the run are extra.
func driftVPCLink(ctx context.Context, acct *awsops.Account, j *Journal, d *drift) error {
	res := j.Resources
	if res.VPCLinkID != "" {
		l, err := acct.GetVPCLink(ctx, res.VPCLinkID)
		switch {
		case awsops.IsNotFound(err):
			d.missing("vpc-link", res.VPCLinkID, "gone", !res.VPCLinkReused)
		case err != nil:
			return err
		case l.Status == "DELETING":
			d.missing("vpc-link", res.VPCLinkID, "being deleted", !res.VPCLinkReused)
		default:
			var c changes
			// A FAILED link is deleted and made again by resume.
			c.compare("status", "AVAILABLE", l.Status, l.Status == "FAILED" && !res.VPCLinkReused)
			if res.LoadBalancerARN != "" {
				c.compare("target", res.LoadBalancerARN, strings.Join(l.TargetARNs, ","), false)
			}
			if l.StatusMessage != "" && l.Status != "AVAILABLE" && len(c.diffs) > 0 {
				c.diffs[0] += " (" + l.StatusMessage + ")"
			}
			d.row("vpc-link", res.VPCLinkID, c, l.Status+" → "+awsops.ResourceName(strings.Join(l.TargetARNs, ",")))
		}
	}
	if res.VPCLinkReused {
		return nil
	}
	links, err := acct.ListVPCLinks(ctx)
	if err != nil {
		return err
	}
	for _, l := range links {
		if l.Tags[awsops.TagRun] == j.RunID && l.ID != res.VPCLinkID && l.Status != "DELETING" {
			d.extra("vpc-link", l.ID, l.Name+" ("+l.Status+"), tagged with this run, not in its journal")
		}
	}
	return nil
}

// driftAPI compares the REST API, its /{proxy+} and / methods and their integrations, the
// deployment and the stage; other REST APIs tagged with the run are extra.
func driftAPI(ctx context.Context, acct *awsops.Account, j *Journal, d *drift) error {
	res, p := j.Resources, &j.Plan
	if !res.RestAPIReused {
		apis, err := acct.ListRestAPIs(ctx)
		if err != nil {
			return err
		}
		defer func() {
			for _, a := range apis {
				if a.Tags[awsops.TagRun] == j.RunID && a.ID != res.RestAPIID {
					d.extra("rest-api", a.ID, a.Name+", tagged with this run, not in its journal")
				}
			}
		}()
	}
	if res.RestAPIID == "" {
		return nil
	}
	api, err := acct.GetRestAPI(ctx, res.RestAPIID)
	if awsops.IsNotFound(err) {
		// Its resources, methods, deployment and stage went with it.
		d.missing("rest-api", res.RestAPIID, "gone, with its resources and stages", !res.RestAPIReused)
		return nil
	}
	if err != nil {
		return err
	}
	d.ok("rest-api", res.RestAPIID, api.Name)
	rs, err := acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		return err
	}
	port := ListenerPort(p)
	proxy, ok := rs["/{proxy+}"]
	switch {
	case res.ProxyResourceID != "" && (!ok || proxy.ID != res.ProxyResourceID):
		// Its methods went with it.
		d.missing("resource", "/{proxy+}", "gone", !res.RestAPIReused || res.ProxyCreating)
	case res.ProxyResourceID != "":
		d.ok("resource", "/{proxy+}", res.ProxyResourceID)
		fallthrough
	default:
		// On a REST API that was there, the run may have added methods to its /{proxy+}.
		driftMethods(d, "/{proxy+}", proxy, res.Methods, awsops.ProxyIntegrationURI(port))
	}
	if len(res.RootMethods) > 0 {
		driftMethods(d, "/", rs["/"], res.RootMethods, awsops.RootIntegrationURI(port))
	}
	if res.DeploymentID != "" {
		deps, err := acct.ListDeployments(ctx, res.RestAPIID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(deps, func(x awsops.Deployment) bool { return x.ID == res.DeploymentID }) {
			d.ok("deployment", res.DeploymentID, "exists")
		} else {
			d.missing("deployment", res.DeploymentID, "gone", true)
		}
	}
	if res.Stage == "" {
		return nil
	}
	st, err := acct.GetStage(ctx, res.RestAPIID, res.Stage)
	if awsops.IsNotFound(err) {
		d.missing("stage", res.Stage, "gone", true)
		return nil
	}
	if err != nil {
		return err
	}
	var c changes
	c.compare("deployment", res.DeploymentID, st.DeploymentID, true)
	d.row("stage", res.Stage, c, "serves "+st.DeploymentID)
	c = changes{}
	want := StageVariables(res)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		c.compare(k, want[k], st.Variables[k], true)
	}
	d.row("stage-variables", res.Stage, c, awsops.StageVarLink+"="+st.Variables[awsops.StageVarLink]+", "+awsops.StageVarNLB+"="+st.Variables[awsops.StageVarNLB])
	c = changes{}
	level := "OFF"
	if st.Settings.Set && st.Settings.LoggingLevel != "" {
		level = st.Settings.LoggingLevel
	}
	if p.Stage.Logging != "" {
		c.compare("logging", p.Stage.Logging, level, true)
	}
	if p.Stage.Throttling.Rate > 0 {
		c.compare("rate limit", fmt.Sprint(p.Stage.Throttling.Rate), fmt.Sprint(st.Settings.RateLimit), true)
	}
	if p.Stage.Throttling.Burst > 0 {
		c.compare("burst limit", fmt.Sprint(p.Stage.Throttling.Burst), fmt.Sprint(st.Settings.BurstLimit), true)
	}
	d.row("stage-settings", res.Stage, c, fmt.Sprintf("logging %s, rate %g, burst %d", level, st.Settings.RateLimit, st.Settings.BurstLimit))
	return nil
}

// driftMethods compares the methods the run put on one resource with their integrations:
// HTTP_PROXY through the stage's VPC link to uri.
func driftMethods(d *drift, path string, r awsops.Resource, methods []string, uri string) {
	for _, m := range methods {
		id := m + " " + path
		in, ok := r.Integrations[m]
		if !ok {
			d.missing("method", id, "no method with an integration", true)
			continue
		}
		// resume leaves an integrated method as it is.
		var c changes
		c.compare("type", "HTTP_PROXY", in.Type, false)
		c.compare("connection type", "VPC_LINK", in.ConnectionType, false)
		detail := in.ConnectionType + " " + in.URI
		if in.ConnectionType == "VPC_LINK" && in.ConnectionID == "" {
			// AWS always reports a VPC link integration's connection id; an emulator that
			// drops it (moto) cannot say whether it drifted.
			detail += " (the endpoint does not report the connection id)"
		} else {
			c.compare("connection id", awsops.IntegrationConnectionID, in.ConnectionID, false)
		}
		c.compare("uri", uri, in.URI, false)
		d.row("method", id, c, detail)
	}
}

// driftAPIKey compares the API key and the usage plan with its stage and key; others
// tagged with the run are extra.
func driftAPIKey(ctx context.Context, acct *awsops.Account, j *Journal, d *drift) error {
	res, p := j.Resources, &j.Plan
	if res.APIKeyID == "" && res.UsagePlanID == "" && p.API.Authorization != AuthAPIKey {
		return nil
	}
	name := keyName(j.RunID)
	k, found, err := acct.FindAPIKey(ctx, name, awsops.TagRun, j.RunID)
	if err != nil {
		return err
	}
	if res.APIKeyID != "" {
		if found && k.ID == res.APIKeyID {
			d.ok("api-key", res.APIKeyID, name)
		} else {
			d.missing("api-key", res.APIKeyID, "gone", false)
		}
	}
	if found && k.ID != res.APIKeyID {
		d.extra("api-key", k.ID, name+", tagged with this run, not in its journal")
	}
	if res.UsagePlanID != "" {
		up, err := acct.GetUsagePlan(ctx, res.UsagePlanID)
		switch {
		case awsops.IsNotFound(err):
			d.missing("usage-plan", res.UsagePlanID, "gone", false)
		case err != nil:
			return err
		default:
			var c changes
			if res.RestAPIID != "" && res.Stage != "" {
				stage := res.RestAPIID + ":" + res.Stage
				if !slices.Contains(up.Stages, stage) {
					c.compare("stages", stage, strings.Join(up.Stages, ","), false)
				}
			}
			if res.APIKeyID != "" && !slices.Contains(up.Keys, res.APIKeyID) {
				c.compare("keys", res.APIKeyID, strings.Join(up.Keys, ","), false)
			}
			d.row("usage-plan", res.UsagePlanID, c, "stages "+strings.Join(up.Stages, ",")+", keys "+strings.Join(up.Keys, ","))
		}
	}
	id, found, err := acct.FindUsagePlan(ctx, name, awsops.TagRun, j.RunID)
	if err != nil {
		return err
	}
	if found && id != res.UsagePlanID {
		d.extra("usage-plan", id, name+", tagged with this run, not in its journal")
	}
	return nil
}
