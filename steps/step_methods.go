package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/vpclink/vpclink/awsops"
)

// IDMethods names the step that puts the methods and their integration.
const IDMethods = "put-methods"

// Messages of the methods step.
const (
	fmtMethStart  = "Adding %s with its VPC link integration."
	fmtMethDone   = "Added %s."
	fmtMethFailed = "Failed to add %s"
)

// methodsStep puts the plan's methods on /{proxy+} and /, with their VPC link integration.
type methodsStep struct{ acct *awsops.Account }

func (methodsStep) ID() string         { return IDMethods }
func (methodsStep) Title() string      { return "Methods and integration" }
func (methodsStep) Applies(*Plan) bool { return true }

// Do puts the plan's methods on /{proxy+} and on the root /, each with its VPC link
// integration to the listener on the plan's port: / is the invoke URL itself, which no
// {proxy+} matches. Methods already integrated are left as they are.
func (s methodsStep) Do(ctx context.Context, run *Run, rep Reporter) error {
	res, p := run.Resources(), run.Plan()
	rs, err := s.acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		return err
	}
	proxy, ok := rs["/{proxy+}"]
	if !ok {
		return fmt.Errorf("add methods to %s: the API has no /{proxy+} resource", res.RestAPIID)
	}
	root, ok := rs["/"]
	if !ok {
		return fmt.Errorf("add methods to %s: the API has no root resource", res.RestAPIID)
	}
	auth, key := authorization(p)
	port := ListenerPort(p)
	var added []string
	for _, m := range p.API.Methods {
		if slices.Contains(proxy.Integrated, m) {
			continue
		}
		rep.Start(fmt.Sprintf(fmtMethStart, m+" /{proxy+}"))
		method := awsops.Method{HTTPMethod: m, Authorization: auth, APIKey: key, Port: port}
		if err := s.acct.PutProxyMethod(ctx, res.RestAPIID, proxy.ID, method, slices.Contains(proxy.Methods, m)); err != nil {
			return awsops.Failed(err, fmtMethFailed, m+" /{proxy+}")
		}
		added = append(added, m+" /{proxy+}")
		if err := run.Record(func(r *Resources) { r.Methods = append(r.Methods, m) }); err != nil {
			return err
		}
	}
	for _, m := range p.API.Methods {
		if slices.Contains(root.Integrated, m) {
			// On an API this run made, what is there is this run's, from an earlier attempt.
			if !res.RestAPIReused && !slices.Contains(res.RootMethods, m) {
				if err := run.Record(func(r *Resources) { r.RootMethods = append(r.RootMethods, m) }); err != nil {
					return err
				}
			}
			continue
		}
		rep.Start(fmt.Sprintf(fmtMethStart, m+" /"))
		method := awsops.Method{HTTPMethod: m, Authorization: auth, APIKey: key, Port: port}
		if err := s.acct.PutRootMethod(ctx, res.RestAPIID, root.ID, method, slices.Contains(root.Methods, m)); err != nil {
			return awsops.Failed(err, fmtMethFailed, m+" /")
		}
		added = append(added, m+" /")
		if !slices.Contains(res.RootMethods, m) {
			if err := run.Record(func(r *Resources) { r.RootMethods = append(r.RootMethods, m) }); err != nil {
				return err
			}
		}
	}
	if len(added) == 0 {
		rep.Stop("The methods " + strings.Join(p.API.Methods, ", ") + " of / and /{proxy+} are in place.")
		return nil
	}
	rep.Stop(fmt.Sprintf(fmtMethDone, strings.Join(added, ", ")))
	return nil
}

// Undo removes, from an API that was there before the run, the methods the run added
// to the root / and to a /{proxy+} it did not create; the API's own methods stay. Methods of
// an API or resource the run created go with it.
func (s methodsStep) Undo(ctx context.Context, run *Run, rep Reporter) error {
	res := run.Resources()
	if !res.RestAPIReused || (len(res.RootMethods) == 0 && (res.ProxyResourceID != "" || len(res.Methods) == 0)) {
		return nil
	}
	rs, err := s.acct.ListResources(ctx, res.RestAPIID)
	if err != nil {
		return err
	}
	if res.ProxyResourceID == "" {
		proxy, ok := rs["/{proxy+}"]
		for _, m := range res.Methods {
			if ok {
				rep.Start("Deleting method " + m + " of /{proxy+} in " + res.RestAPIID + ".")
				if err := s.acct.DeleteMethod(ctx, res.RestAPIID, proxy.ID, m); err != nil {
					return err
				}
			}
			if err := run.Record(func(r *Resources) { r.Methods = slices.DeleteFunc(r.Methods, func(x string) bool { return x == m }) }); err != nil {
				return err
			}
		}
	}
	root, ok := rs["/"]
	for _, m := range res.RootMethods {
		if ok {
			rep.Start("Deleting method " + m + " of / in " + res.RestAPIID + ".")
			if err := s.acct.DeleteMethod(ctx, res.RestAPIID, root.ID, m); err != nil {
				return err
			}
		}
		if err := run.Record(func(r *Resources) {
			r.RootMethods = slices.DeleteFunc(r.RootMethods, func(x string) bool { return x == m })
		}); err != nil {
			return err
		}
	}
	return nil
}

// authorization maps the plan's choice to a method's authorization type and key flag.
func authorization(p *Plan) (string, bool) {
	switch p.API.Authorization {
	case AuthIAM:
		return "AWS_IAM", false
	case AuthAPIKey:
		return "NONE", true
	}
	return "NONE", false
}

// ListenerPort is the load balancer listener the integration calls: the plan's port, 80
// when a reused load balancer's plan names none.
func ListenerPort(p *Plan) int32 { return cmpOr(p.LoadBalancer.Port, 80) }
