package ui

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/steps"
)

// Review's groups for a setup that finishes a finding.
const (
	groupAdopted = "Adopted (left as they are):"
	groupCreated = "Created:"
	groupChanged = "Changed (put back on destroy):"
)

// describeFinish writes what a run that finishes a finding does, in three groups: what it
// adopts and leaves as it is, what it creates (and a destroy deletes), and what it changes
// (and a destroy puts back as it was).
func describeFinish(w io.Writer, d *draft, res *steps.Resolution, region string) {
	p, ad := &d.plan, d.adopted
	fmt.Fprintf(w, "Plan %q in %s finishes %s\n", p.Name, region, ad.finding.ID)
	var adopted, created, changed [][2]string
	adopted = append(adopted, [2]string{"VPC", vpcLabel(res.VPC)})
	if lb := res.LoadBalancer; lb != nil {
		what := lb.Name + fmt.Sprintf(", TCP %d", steps.ListenerPort(p))
		if n := ad.finding.Exists.LoadBalancer; n != nil && len(n.Targets) > 0 {
			what += fmt.Sprintf(", %d target(s)", len(n.Targets))
		}
		adopted = append(adopted, [2]string{"Load balancer", what})
	}
	if len(d.instances) > 0 && ad.finding.NeedsTargets() {
		var in []string
		for _, i := range d.instances {
			in = append(in, nameOr(i.Name, i.ID))
		}
		tg := ""
		if n := ad.finding.Exists.LoadBalancer; n != nil && len(n.TargetGroups) > 0 {
			tg = " with " + n.TargetGroups[0]
		}
		created = append(created, [2]string{"Targets", "register " + strings.Join(in, ", ") + tg})
	}
	if p.SecurityGroups.Mode != "" && len(d.instances) > 0 {
		created = append(created, [2]string{"Rules", fmt.Sprintf("admit the NLB by %s to the targets' security groups on port %d, where they do not yet", p.SecurityGroups.Mode, p.Targets.Port)})
	}
	if l := res.VPCLink; l != nil {
		adopted = append(adopted, [2]string{"VPC link", l.ID + " (" + l.Name + ")"})
	} else {
		created = append(created, [2]string{"VPC link", p.Name + "-<run>-link, to the load balancer"})
	}
	apiName := nameOr(p.API.Name, p.Name)
	stageExisted := false
	if a := res.RestAPI; a != nil {
		apiName = a.Name
		what := a.Name + " (" + a.ID + ")"
		if len(ad.proxy) > 0 {
			what += ", /{proxy+} " + strings.Join(ad.proxy, " ")
		}
		adopted = append(adopted, [2]string{"REST API", what})
		if !ad.hasProxy {
			created = append(created, [2]string{"Resource", "/{proxy+} of " + a.Name})
		}
		for _, on := range []struct {
			path string
			have []string
		}{{"/{proxy+}", ad.proxy}, {"/", ad.root}} {
			var lack []string
			for _, m := range p.API.Methods {
				if !slices.Contains(on.have, m) {
					lack = append(lack, m)
				}
			}
			if len(lack) > 0 {
				created = append(created, [2]string{"Methods", strings.Join(lack, " ") + " on " + on.path + " of " + a.Name})
			}
		}
		for _, fa := range ad.finding.Exists.APIs {
			for _, st := range fa.Stages {
				stageExisted = stageExisted || (fa.ID == a.ID && st.Name == p.Stage.Name)
			}
		}
	} else {
		created = append(created, [2]string{"REST API", fmt.Sprintf("%s, %s, /{proxy+} and / with %s, authorization %s",
			apiName, p.API.EndpointType, strings.Join(p.API.Methods, " "), p.API.Authorization)})
	}
	created = append(created, [2]string{"Deployment", "of " + apiName + ", for stage " + p.Stage.Name})
	stage := fmt.Sprintf("%s: new deployment, VPCLink and VPCNLB set, logging %s%s", p.Stage.Name, p.Stage.Logging, throttleText(p.Stage.Throttling))
	if stageExisted {
		changed = append(changed, [2]string{"Stage", stage})
	} else {
		created = append(created, [2]string{"Stage", stage})
	}
	if p.API.Authorization == steps.AuthAPIKey {
		created = append(created, [2]string{"API key", "and its usage plan"})
	}
	for _, g := range []struct {
		title string
		rows  [][2]string
	}{{groupAdopted, adopted}, {groupCreated, created}, {groupChanged, changed}} {
		fmt.Fprintln(w, g.title)
		if len(g.rows) == 0 {
			fmt.Fprintln(w, "  (nothing)")
			continue
		}
		for _, r := range g.rows {
			fmt.Fprintf(w, "  %-14s %s\n", r[0], r[1])
		}
	}
}
