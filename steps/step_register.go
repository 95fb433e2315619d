package steps

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// IDRegister names the step that registers the instances in the target group.
const IDRegister = "register-targets"

// Messages of the register step.
const (
	fmtRegStart  = "Registering %s."
	fmtRegDone   = "Registered %s."
	fmtRegFailed = "Failed to register %s"
)

// registerStep registers the plan's instances in the target group on the targets' port.
type registerStep struct{ acct *awsops.Account }

func (registerStep) ID() string           { return IDRegister }
func (registerStep) Title() string        { return "Register targets" }
func (registerStep) Applies(p *Plan) bool { return registersTargets(p) }

// Do registers the instances and records them. In an adopted load balancer's target group,
// instances registered already (by hand) are left out, so undo leaves them registered.
func (s registerStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	t, err := targetsOf(ctx, s.acct, run)
	if err != nil {
		return err
	}
	ids := res.InstanceIDs
	if !newLB(run.Plan()) {
		hs, err := s.acct.TargetHealth(ctx, t.tgARN)
		if err != nil {
			return err
		}
		ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool {
			return !slices.Contains(res.Registered, id) && slices.ContainsFunc(hs, func(h awsops.TargetHealth) bool { return h.ID == id && h.Port == t.port })
		})
		if len(ids) == 0 {
			rep.Stop(fmt.Sprintf("The instances are registered in %s already; none added.", awsops.ResourceName(t.tgARN)))
			return nil
		}
	}
	what := strings.Join(ids, ", ")
	rep.Start(fmt.Sprintf(fmtRegStart, what))
	if err := s.acct.RegisterTargets(ctx, t.tgARN, ids, t.port); err != nil {
		return awsops.Failed(err, fmtRegFailed, what)
	}
	if err := run.Record(func(r *Resources) { r.Registered = slices.Clone(ids) }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtRegDone, what))
	return nil
}

// Undo deregisters the instances the run registered.
func (s registerStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	tgARN, port := cmp.Or(res.TargetGroupARN, res.RegisteredIn), cmp.Or(run.Plan().Targets.Port, res.RegisteredPort)
	if len(res.Registered) == 0 || tgARN == "" {
		return nil
	}
	if err := keepForLoadBalancerUser(run, "the targets "+strings.Join(res.Registered, ", ")); err != nil {
		return err
	}
	rep.Start("Deregistering " + strings.Join(res.Registered, ", ") + ".")
	if err := s.acct.DeregisterTargets(ctx, tgARN, res.Registered, port); err != nil && !awsops.IsNotFound(err) {
		return err
	}
	return run.Record(func(r *Resources) { r.Registered = nil })
}
