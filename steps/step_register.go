package steps

import (
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
func (registerStep) Applies(p *Plan) bool { return newLB(p) }

// Do registers the instances and records them.
func (s registerStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	what := strings.Join(res.InstanceIDs, ", ")
	rep.Start(fmt.Sprintf(fmtRegStart, what))
	if err := s.acct.RegisterTargets(ctx, res.TargetGroupARN, res.InstanceIDs, p.Targets.Port); err != nil {
		return awsops.Failed(err, fmtRegFailed, what)
	}
	if err := run.Record(func(r *Resources) { r.Registered = slices.Clone(res.InstanceIDs) }); err != nil {
		return err
	}
	rep.Stop(fmt.Sprintf(fmtRegDone, what))
	return nil
}

// Undo deregisters the instances the run registered.
func (s registerStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	if len(res.Registered) == 0 || res.TargetGroupARN == "" {
		return nil
	}
	if err := keepForLoadBalancerUser(run, "the targets "+strings.Join(res.Registered, ", ")); err != nil {
		return err
	}
	rep.Start("Deregistering " + strings.Join(res.Registered, ", ") + ".")
	if err := s.acct.DeregisterTargets(ctx, res.TargetGroupARN, res.Registered, run.Plan().Targets.Port); err != nil {
		return err
	}
	return run.Record(func(r *Resources) { r.Registered = nil })
}
