package steps

import (
	"context"

	"github.com/vpclink/vpclink/awsops"
)

// Step is one part of the setup. Do creates (or finds and adopts) its resources and records
// them in the run; Undo deletes what Do recorded, treats "not found" as done, and may run
// more than once.
type Step interface {
	ID() string
	Title() string
	// After lists the steps that must be done (or skipped) before this one starts.
	After() []string
	// Applies reports whether the step has work to do for the plan.
	Applies(*Plan) bool
	Do(ctx context.Context, run *Run, rep Reporter) error
	Undo(ctx context.Context, run *Run, rep Reporter) error
}

// task is a step without its place in the setup: each lives in a step_*.go file, and All
// gives it its edges.
type task interface {
	ID() string
	Title() string
	Applies(*Plan) bool
	Do(ctx context.Context, run *Run, rep Reporter) error
	Undo(ctx context.Context, run *Run, rep Reporter) error
}

// placed is a task with the steps it runs after.
type placed struct {
	task
	after []string
}

func (p placed) After() []string { return p.after }

// after places t after the steps named by deps.
func after(t task, deps ...string) Step { return placed{t, deps} }

// All returns the setup's steps, in the order they are shown, and their edges: each step
// starts once those it runs after are done, and is undone before them (see undoOrder).
func All(acct *awsops.Account) []Step {
	return []Step{
		after(targetGroupStep{acct}),
		after(loadBalancerStep{acct}),
		after(listenerStep{acct}, IDTargetGroup, IDLoadBalancer),
		after(registerStep{acct}, IDTargetGroup),
		after(waitNLBStep{acct}, IDLoadBalancer),
		after(ingressStep{acct}, IDWaitNLB),
		after(vpcLinkStep{acct}, IDWaitNLB),
		after(restAPIStep{acct}),
		after(proxyResourceStep{acct}, IDRestAPI),
		after(methodsStep{acct}, IDProxyResource),
		after(deployStep{acct}, IDMethods, IDVPCLink),
		after(apiKeyStep{acct}, IDDeploy),
		after(targetHealthStep{acct}, IDListener, IDRegister, IDIngress, IDWaitNLB),
	}
}
