package awsops

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	gwtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
)

// Stage variables the integration reads; vpclink sets them on the stage it deploys.
const (
	StageVarLink = "VPCLink"
	StageVarNLB  = "VPCNLB"
)

// Integration values every proxy method gets. IntegrationURI is the /{proxy+} methods' URI
// for a listener on port 80; ProxyIntegrationURI gives it for any port.
const (
	IntegrationConnectionID = "${stageVariables.VPCLink}"
	IntegrationURI          = "http://${stageVariables.VPCNLB}/{proxy}"
)

// nlbURL is the stage's load balancer at a listener port: API Gateway calls port 80 of the
// host unless the URI names another, so the port is written whenever it is not 80.
func nlbURL(port int32) string {
	if port == 0 || port == 80 {
		return "http://${stageVariables.VPCNLB}"
	}
	return "http://${stageVariables.VPCNLB}:" + strconv.Itoa(int(port))
}

// ProxyIntegrationURI is the integration URI of the /{proxy+} methods for the NLB listener
// on port (0 means 80): http://${stageVariables.VPCNLB}[:port]/{proxy}.
func ProxyIntegrationURI(port int32) string { return nlbURL(port) + "/{proxy}" }

// RootIntegrationURI is the integration URI of the root resource's methods for the NLB
// listener on port (0 means 80): http://${stageVariables.VPCNLB}[:port]/.
func RootIntegrationURI(port int32) string { return nlbURL(port) + "/" }

// InvokeURL is the URL of a deployed stage.
func InvokeURL(apiID, region, stage string) string {
	return fmt.Sprintf("https://%s.execute-api.%s.amazonaws.com/%s", apiID, region, stage)
}

func vpcLink(id, name *string, status gwtypes.VpcLinkStatus, msg *string, targets []string, tags map[string]string) VPCLink {
	return VPCLink{ID: aws.ToString(id), Name: aws.ToString(name), Status: string(status), StatusMessage: aws.ToString(msg), TargetARNs: targets, Tags: tags}
}

// ListVPCLinks returns the region's VPC links, sorted by name.
func (a *Account) ListVPCLinks(ctx context.Context) ([]VPCLink, error) {
	var list []VPCLink
	pages := apigateway.NewGetVpcLinksPaginator(a.Links, &apigateway.GetVpcLinksInput{})
	for pages.HasMorePages() {
		var out *apigateway.GetVpcLinksOutput
		err := a.pacer().Gateway(ctx, "GetVpcLinks", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get vpc links: %w", err)
		}
		for _, l := range out.Items {
			list = append(list, vpcLink(l.Id, l.Name, l.Status, l.StatusMessage, l.TargetArns, l.Tags))
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

// GetVPCLink returns one VPC link.
func (a *Account) GetVPCLink(ctx context.Context, id string) (VPCLink, error) {
	var out *apigateway.GetVpcLinkOutput
	err := a.pacer().Gateway(ctx, "GetVpcLink", func() (err error) {
		out, err = a.Links.GetVpcLink(ctx, &apigateway.GetVpcLinkInput{VpcLinkId: aws.String(id)})
		return err
	})
	if err != nil {
		return VPCLink{}, fmt.Errorf("get vpc link %s: %w", id, err)
	}
	return vpcLink(out.Id, out.Name, out.Status, out.StatusMessage, out.TargetArns, out.Tags), nil
}

// CreateVPCLink creates a VPC link to a network load balancer. The load balancer must be active.
func (a *Account) CreateVPCLink(ctx context.Context, name, lbARN string, tags map[string]string) (VPCLink, error) {
	var out *apigateway.CreateVpcLinkOutput
	err := a.pacer().Gateway(ctx, "CreateVpcLink", func() (err error) {
		out, err = a.Links.CreateVpcLink(ctx, &apigateway.CreateVpcLinkInput{
			Name:        aws.String(name),
			TargetArns:  []string{lbARN},
			Description: aws.String("Created by vpclink"),
			Tags:        tags,
		})
		return err
	})
	if err != nil {
		return VPCLink{}, fmt.Errorf("create vpc link %s: %w", name, err)
	}
	return vpcLink(out.Id, out.Name, out.Status, out.StatusMessage, out.TargetArns, out.Tags), nil
}

// DeleteVPCLink starts deleting a VPC link; one already gone is success.
func (a *Account) DeleteVPCLink(ctx context.Context, id string) error {
	err := a.pacer().Gateway(ctx, "DeleteVpcLink", func() error {
		_, err := a.Links.DeleteVpcLink(ctx, &apigateway.DeleteVpcLinkInput{VpcLinkId: aws.String(id)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete vpc link %s: %w", id, err)
	}
	return nil
}

// IsVPCLinkInUse reports whether err is AWS refusing to delete a VPC link because a deployed
// stage or an integration still references it ("Cannot delete vpc link. Vpc link 'x', is
// referenced in [...]").
func IsVPCLinkInUse(err error) bool {
	return ErrorCode(err) == "BadRequestException" && strings.HasPrefix(ErrorMessage(err), "Cannot delete vpc link.") &&
		strings.Contains(ErrorMessage(err), "is referenced in")
}

// VPCLinkFailedError says AWS could not make a VPC link available.
type VPCLinkFailedError struct {
	ID            string
	Status        string
	StatusMessage string
}

// Error reports the status and AWS's statusMessage.
func (e *VPCLinkFailedError) Error() string {
	return fmt.Sprintf("vpc link %s is %s: %s", e.ID, e.Status, e.StatusMessage)
}

// RecommendActions says what usually makes a VPC link fail.
func (e *VPCLinkFailedError) RecommendActions() string {
	if e.Status == string(gwtypes.VpcLinkStatusDeleting) {
		return "the VPC link is being deleted and cannot be used again: if vpclink made it, resume waits it out and makes a new one; if it is one you chose to reuse, choose another link (or none, for a new one)"
	}
	return "a VPC link fails when its NLB is not an active internal NLB of this account and region, or when the NLB's subnets lack free IP addresses: fix what AWS's message names, then retry or resume: vpclink deletes the FAILED link and makes a new one"
}

// WaitVPCLink polls a VPC link with backoff until it is AVAILABLE; FAILED ends the wait with
// AWS's statusMessage. VPC links have no SDK waiter.
func (a *Account) WaitVPCLink(ctx context.Context, id string, report func(string)) error {
	return a.poll(ctx, "vpc link "+id, report, func(ctx context.Context) (WaitStatus, error) {
		l, err := a.GetVPCLink(ctx, id)
		if err != nil {
			return WaitStatus{}, err
		}
		switch l.Status {
		case string(gwtypes.VpcLinkStatusAvailable):
			return WaitStatus{Done: true, Status: l.Status}, nil
		case string(gwtypes.VpcLinkStatusFailed), string(gwtypes.VpcLinkStatusDeleting):
			return WaitStatus{}, &VPCLinkFailedError{ID: id, Status: l.Status, StatusMessage: l.StatusMessage}
		}
		return WaitStatus{Status: l.Status}, nil
	})
}

// WaitVPCLinkDeleted polls until a VPC link is gone, so that its load balancer can be deleted.
func (a *Account) WaitVPCLinkDeleted(ctx context.Context, id string, report func(string)) error {
	return a.poll(ctx, "deletion of vpc link "+id, report, func(ctx context.Context) (WaitStatus, error) {
		l, err := a.GetVPCLink(ctx, id)
		if IsNotFound(err) {
			return WaitStatus{Done: true, Status: "deleted"}, nil
		}
		if err != nil {
			return WaitStatus{}, err
		}
		return WaitStatus{Status: l.Status}, nil
	})
}

// ListRestAPIs returns the region's REST APIs, sorted by name.
func (a *Account) ListRestAPIs(ctx context.Context) ([]RestAPI, error) {
	var list []RestAPI
	pages := apigateway.NewGetRestApisPaginator(a.Gateway, &apigateway.GetRestApisInput{})
	for pages.HasMorePages() {
		var out *apigateway.GetRestApisOutput
		err := a.pacer().Gateway(ctx, "GetRestApis", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get rest apis: %w", err)
		}
		for _, r := range out.Items {
			list = append(list, RestAPI{ID: aws.ToString(r.Id), Name: aws.ToString(r.Name), Endpoint: endpointType(r.EndpointConfiguration), Tags: r.Tags, CreatedAt: aws.ToTime(r.CreatedDate)})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, nil
}

func endpointType(c *gwtypes.EndpointConfiguration) string {
	if c == nil || len(c.Types) == 0 {
		return ""
	}
	return string(c.Types[0])
}

// GetRestAPI returns one REST API.
func (a *Account) GetRestAPI(ctx context.Context, id string) (RestAPI, error) {
	var out *apigateway.GetRestApiOutput
	err := a.pacer().Gateway(ctx, "GetRestApi", func() (err error) {
		out, err = a.Gateway.GetRestApi(ctx, &apigateway.GetRestApiInput{RestApiId: aws.String(id)})
		return err
	})
	if err != nil {
		return RestAPI{}, fmt.Errorf("get rest api %s: %w", id, err)
	}
	return RestAPI{ID: aws.ToString(out.Id), Name: aws.ToString(out.Name), Endpoint: endpointType(out.EndpointConfiguration), Tags: out.Tags, CreatedAt: aws.ToTime(out.CreatedDate)}, nil
}

// CreateRestAPI creates a REST API with the given endpoint type (REGIONAL, EDGE or PRIVATE).
func (a *Account) CreateRestAPI(ctx context.Context, name, endpoint string, tags map[string]string) (RestAPI, error) {
	var out *apigateway.CreateRestApiOutput
	err := a.pacer().Gateway(ctx, "CreateRestApi", func() (err error) {
		out, err = a.Gateway.CreateRestApi(ctx, &apigateway.CreateRestApiInput{
			Name:                  aws.String(name),
			Description:           aws.String("Created by vpclink"),
			EndpointConfiguration: &gwtypes.EndpointConfiguration{Types: []gwtypes.EndpointType{gwtypes.EndpointType(endpoint)}},
			Tags:                  tags,
		})
		return err
	})
	if err != nil {
		return RestAPI{}, fmt.Errorf("create rest api %s: %w", name, err)
	}
	return RestAPI{ID: aws.ToString(out.Id), Name: aws.ToString(out.Name), Endpoint: endpoint, Tags: out.Tags, CreatedAt: aws.ToTime(out.CreatedDate)}, nil
}

// DeleteRestAPI deletes a REST API with its resources, deployments and stages; one already
// gone is success.
func (a *Account) DeleteRestAPI(ctx context.Context, id string) error {
	err := a.pacer().Gateway(ctx, "DeleteRestApi", func() error {
		_, err := a.Gateway.DeleteRestApi(ctx, &apigateway.DeleteRestApiInput{RestApiId: aws.String(id)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete rest api %s: %w", id, err)
	}
	return nil
}

// Resource is one resource of a REST API with the methods it has; Integrated lists the
// methods that also have an integration, and Integrations holds each one's.
type Resource struct {
	ID           string
	Path         string
	Methods      []string
	Integrated   []string
	Integrations map[string]Integration
}

// Integration is where a method sends requests.
type Integration struct {
	Type           string // HTTP_PROXY, ...
	ConnectionType string // VPC_LINK or INTERNET
	ConnectionID   string
	URI            string
}

// ListResources returns a REST API's resources by path.
func (a *Account) ListResources(ctx context.Context, apiID string) (map[string]Resource, error) {
	res := map[string]Resource{}
	pages := apigateway.NewGetResourcesPaginator(a.Gateway, &apigateway.GetResourcesInput{RestApiId: aws.String(apiID), Embed: []string{"methods"}})
	for pages.HasMorePages() {
		var out *apigateway.GetResourcesOutput
		err := a.pacer().Gateway(ctx, "GetResources", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get resources of %s: %w", apiID, err)
		}
		for _, r := range out.Items {
			rs := Resource{ID: aws.ToString(r.Id), Path: aws.ToString(r.Path)}
			for verb, m := range r.ResourceMethods {
				rs.Methods = append(rs.Methods, verb)
				if i := m.MethodIntegration; i != nil {
					rs.Integrated = append(rs.Integrated, verb)
					if rs.Integrations == nil {
						rs.Integrations = map[string]Integration{}
					}
					rs.Integrations[verb] = Integration{Type: string(i.Type), ConnectionType: string(i.ConnectionType), ConnectionID: aws.ToString(i.ConnectionId), URI: aws.ToString(i.Uri)}
				}
			}
			sort.Strings(rs.Methods)
			sort.Strings(rs.Integrated)
			res[rs.Path] = rs
		}
	}
	return res, nil
}

// CreateResource creates a child resource with pathPart under parentID.
func (a *Account) CreateResource(ctx context.Context, apiID, parentID, pathPart string) (Resource, error) {
	var out *apigateway.CreateResourceOutput
	err := a.pacer().Gateway(ctx, "CreateResource", func() (err error) {
		out, err = a.Gateway.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: aws.String(apiID), ParentId: aws.String(parentID), PathPart: aws.String(pathPart)})
		return err
	})
	if err != nil {
		return Resource{}, fmt.Errorf("create resource %s in %s: %w", pathPart, apiID, err)
	}
	return Resource{ID: aws.ToString(out.Id), Path: aws.ToString(out.Path)}, nil
}

// DeleteResource deletes a resource and its methods from a REST API; one already gone is success.
func (a *Account) DeleteResource(ctx context.Context, apiID, resourceID string) error {
	err := a.pacer().Gateway(ctx, "DeleteResource", func() error {
		_, err := a.Gateway.DeleteResource(ctx, &apigateway.DeleteResourceInput{RestApiId: aws.String(apiID), ResourceId: aws.String(resourceID)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete resource %s of %s: %w", resourceID, apiID, err)
	}
	return nil
}

// RestoreStage points a stage back at a previous deployment and gives back its previous
// values of the variables vpclink set (removing those it did not have). When settings is
// not nil, the stage's */* method settings (logging, data trace, metrics, throttling) go back
// to them too: the fields that differ are put back, and settings the stage did not have are
// removed.
func (a *Account) RestoreStage(ctx context.Context, apiID, stage, deployment string, previous, set map[string]string, settings *MethodSettings) error {
	ops := []gwtypes.PatchOperation{{Op: gwtypes.OpReplace, Path: aws.String("/deploymentId"), Value: aws.String(deployment)}}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if v, ok := previous[k]; ok {
			ops = append(ops, gwtypes.PatchOperation{Op: gwtypes.OpReplace, Path: aws.String("/variables/" + k), Value: aws.String(v)})
		} else {
			ops = append(ops, gwtypes.PatchOperation{Op: gwtypes.OpRemove, Path: aws.String("/variables/" + k)})
		}
	}
	if settings != nil {
		current, err := a.GetStage(ctx, apiID, stage)
		if IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("restore stage %s of %s: %w", stage, apiID, err)
		}
		ops = append(ops, current.Settings.RestoreOperations(*settings)...)
	}
	err := a.pacer().Gateway(ctx, "UpdateStage", func() error {
		_, err := a.Gateway.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(apiID), StageName: aws.String(stage), PatchOperations: ops})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("restore stage %s of %s: %w", stage, apiID, err)
	}
	return nil
}

// DeploymentDescription is the description vpclink gives the deployments of a run: it
// names the run, so that a deployment whose id never reached the journal (a crash right
// after CreateDeployment) is found and adopted or deleted.
func DeploymentDescription(runID string) string { return "vpclink " + runID }

// Deployment is one deployment of a REST API.
type Deployment struct {
	ID          string
	Description string
	Created     time.Time
}

// ListDeployments returns a REST API's deployments, oldest first.
func (a *Account) ListDeployments(ctx context.Context, apiID string) ([]Deployment, error) {
	var list []Deployment
	pages := apigateway.NewGetDeploymentsPaginator(a.Gateway, &apigateway.GetDeploymentsInput{RestApiId: aws.String(apiID)})
	for pages.HasMorePages() {
		var out *apigateway.GetDeploymentsOutput
		err := a.pacer().Gateway(ctx, "GetDeployments", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get deployments of %s: %w", apiID, err)
		}
		for _, d := range out.Items {
			list = append(list, Deployment{ID: aws.ToString(d.Id), Description: aws.ToString(d.Description), Created: aws.ToTime(d.CreatedDate)})
		}
	}
	slices.SortStableFunc(list, func(x, y Deployment) int { return x.Created.Compare(y.Created) })
	return list, nil
}

// DeleteDeployment deletes a deployment no stage uses; one already gone is success.
func (a *Account) DeleteDeployment(ctx context.Context, apiID, id string) error {
	err := a.pacer().Gateway(ctx, "DeleteDeployment", func() error {
		_, err := a.Gateway.DeleteDeployment(ctx, &apigateway.DeleteDeploymentInput{RestApiId: aws.String(apiID), DeploymentId: aws.String(id)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete deployment %s of %s: %w", id, apiID, err)
	}
	return nil
}

// DeleteMethod deletes one method (with its integration) of a resource; one already gone is
// success.
func (a *Account) DeleteMethod(ctx context.Context, apiID, resourceID, verb string) error {
	err := a.pacer().Gateway(ctx, "DeleteMethod", func() error {
		_, err := a.Gateway.DeleteMethod(ctx, &apigateway.DeleteMethodInput{RestApiId: aws.String(apiID), ResourceId: aws.String(resourceID), HttpMethod: aws.String(verb)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete method %s of %s: %w", verb, apiID, err)
	}
	return nil
}

// DeleteStage deletes a stage of a REST API; one already gone is success.
func (a *Account) DeleteStage(ctx context.Context, apiID, stage string) error {
	err := a.pacer().Gateway(ctx, "DeleteStage", func() error {
		_, err := a.Gateway.DeleteStage(ctx, &apigateway.DeleteStageInput{RestApiId: aws.String(apiID), StageName: aws.String(stage)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete stage %s of %s: %w", stage, apiID, err)
	}
	return nil
}

// PutProxyMethod puts one method on a {proxy+} resource with its HTTP_PROXY integration
// through the stage's VPC link to the stage's load balancer, at the listener on m.Port. When
// the method exists already (an earlier attempt stopped before its integration), only the
// integration is put.
func (a *Account) PutProxyMethod(ctx context.Context, apiID, resourceID string, m Method, exists bool) error {
	return a.putVPCLinkMethod(ctx, apiID, resourceID, m, exists, ProxyIntegrationURI(m.Port), true)
}

// PutRootMethod puts one method on the root resource / with the same integration as the
// {proxy+} methods, to the path / of the listener on m.Port, so that the invoke URL itself
// answers. When the method exists already, only the integration is put.
func (a *Account) PutRootMethod(ctx context.Context, apiID, rootID string, m Method, exists bool) error {
	return a.putVPCLinkMethod(ctx, apiID, rootID, m, exists, RootIntegrationURI(m.Port), false)
}

func (a *Account) putVPCLinkMethod(ctx context.Context, apiID, resourceID string, m Method, exists bool, uri string, proxy bool) error {
	auth := m.Authorization
	if auth == "" {
		auth = "NONE"
	}
	var err error
	if !exists {
		err = a.putMethod(ctx, apiID, resourceID, m.HTTPMethod, auth, m.APIKey, proxy)
	}
	if err != nil {
		return fmt.Errorf("put method %s on %s: %w", m.HTTPMethod, apiID, err)
	}
	in := &apigateway.PutIntegrationInput{
		RestApiId:             aws.String(apiID),
		ResourceId:            aws.String(resourceID),
		HttpMethod:            aws.String(m.HTTPMethod),
		Type:                  gwtypes.IntegrationTypeHttpProxy,
		IntegrationHttpMethod: aws.String(m.HTTPMethod),
		ConnectionType:        gwtypes.ConnectionTypeVpcLink,
		ConnectionId:          aws.String(IntegrationConnectionID),
		Uri:                   aws.String(uri),
		PassthroughBehavior:   aws.String("WHEN_NO_MATCH"),
		TimeoutInMillis:       aws.Int32(29000),
	}
	if proxy {
		in.RequestParameters = map[string]string{"integration.request.path.proxy": "method.request.path.proxy"}
	}
	err = a.pacer().Gateway(ctx, "PutIntegration", func() error {
		_, err := a.Gateway.PutIntegration(ctx, in)
		return err
	})
	if err != nil {
		return fmt.Errorf("put integration for %s on %s: %w", m.HTTPMethod, apiID, err)
	}
	return nil
}

func (a *Account) putMethod(ctx context.Context, apiID, resourceID, verb, auth string, key, proxy bool) error {
	in := &apigateway.PutMethodInput{
		RestApiId:         aws.String(apiID),
		ResourceId:        aws.String(resourceID),
		HttpMethod:        aws.String(verb),
		AuthorizationType: aws.String(auth),
		ApiKeyRequired:    key,
	}
	if proxy {
		in.RequestParameters = map[string]bool{"method.request.path.proxy": true}
	}
	return a.pacer().Gateway(ctx, "PutMethod", func() error {
		_, err := a.Gateway.PutMethod(ctx, in)
		return err
	})
}

// Invocation is what API Gateway's test invoke of a method answered: the status and body the
// caller would get, and the execution log's lines.
type Invocation struct {
	Status int
	Body   string
	Log    []string
}

// TestInvoke has API Gateway run one request through a method as a stage with vars would,
// without a deployment and without authorization: the way to prove that the integration
// reaches the service. path is the request's path with its query string, e.g. "/orders?x=1".
func (a *Account) TestInvoke(ctx context.Context, apiID, resourceID, verb, path string, vars map[string]string) (Invocation, error) {
	var out *apigateway.TestInvokeMethodOutput
	err := a.pacer().Gateway(ctx, "TestInvokeMethod", func() (err error) {
		out, err = a.Gateway.TestInvokeMethod(ctx, &apigateway.TestInvokeMethodInput{
			RestApiId:           aws.String(apiID),
			ResourceId:          aws.String(resourceID),
			HttpMethod:          aws.String(verb),
			PathWithQueryString: aws.String(path),
			StageVariables:      vars,
		})
		return err
	})
	if err != nil {
		return Invocation{}, fmt.Errorf("test invoke %s %s of %s: %w", verb, path, apiID, err)
	}
	inv := Invocation{Status: int(out.Status), Body: aws.ToString(out.Body)}
	for _, line := range strings.Split(aws.ToString(out.Log), "\n") {
		if line != "" {
			inv.Log = append(inv.Log, line)
		}
	}
	return inv, nil
}

// Stage is a deployed stage of a REST API.
type Stage struct {
	Name         string
	DeploymentID string
	Variables    map[string]string
	Tags         map[string]string
	// Settings are the stage's method settings for every method (*/*).
	Settings MethodSettings
}

// MethodSettings are a stage's */* method settings as GetStage reports them. Set is false
// when the stage has none (AWS lists no */* entry until one is patched); the other fields
// then hold nothing.
type MethodSettings struct {
	Set          bool    `json:"set"`
	LoggingLevel string  `json:"loggingLevel,omitempty"`
	DataTrace    bool    `json:"dataTrace,omitempty"`
	Metrics      bool    `json:"metrics,omitempty"`
	RateLimit    float64 `json:"rateLimit,omitempty"`
	BurstLimit   int32   `json:"burstLimit,omitempty"`
}

// Method-settings patch paths of every method of a stage.
const (
	pathLogLevel   = "/*/*/logging/loglevel"
	pathDataTrace  = "/*/*/logging/dataTrace"
	pathMetrics    = "/*/*/metrics/enabled"
	pathRateLimit  = "/*/*/throttling/rateLimit"
	pathBurstLimit = "/*/*/throttling/burstLimit"
)

// level is the logging level in effect: OFF when the stage has no method settings.
func (m MethodSettings) level() string {
	if !m.Set || m.LoggingLevel == "" {
		return "OFF"
	}
	return m.LoggingLevel
}

func replaceOp(path, value string) gwtypes.PatchOperation {
	return gwtypes.PatchOperation{Op: gwtypes.OpReplace, Path: aws.String(path), Value: aws.String(value)}
}

// RestoreOperations returns the UpdateStage patch that turns settings m into previous:
// the */* entry is removed when the stage had none, else each field that differs is put back.
func (m MethodSettings) RestoreOperations(previous MethodSettings) []gwtypes.PatchOperation {
	switch {
	case !m.Set && !previous.Set:
		return nil
	case !previous.Set:
		return []gwtypes.PatchOperation{{Op: gwtypes.OpRemove, Path: aws.String("/*/*")}}
	case !m.Set:
		// The entry is gone (removed since): write every field of the previous one.
		return []gwtypes.PatchOperation{replaceOp(pathLogLevel, previous.level()),
			replaceOp(pathDataTrace, strconv.FormatBool(previous.DataTrace)), replaceOp(pathMetrics, strconv.FormatBool(previous.Metrics)),
			replaceOp(pathRateLimit, strconv.FormatFloat(previous.RateLimit, 'f', -1, 64)), replaceOp(pathBurstLimit, strconv.Itoa(int(previous.BurstLimit)))}
	}
	var ops []gwtypes.PatchOperation
	if m.level() != previous.level() {
		ops = append(ops, replaceOp(pathLogLevel, previous.level()))
	}
	if m.DataTrace != previous.DataTrace {
		ops = append(ops, replaceOp(pathDataTrace, strconv.FormatBool(previous.DataTrace)))
	}
	if m.Metrics != previous.Metrics {
		ops = append(ops, replaceOp(pathMetrics, strconv.FormatBool(previous.Metrics)))
	}
	if m.RateLimit != previous.RateLimit {
		ops = append(ops, replaceOp(pathRateLimit, strconv.FormatFloat(previous.RateLimit, 'f', -1, 64)))
	}
	if m.BurstLimit != previous.BurstLimit {
		ops = append(ops, replaceOp(pathBurstLimit, strconv.Itoa(int(previous.BurstLimit))))
	}
	return ops
}

func methodSettings(all map[string]gwtypes.MethodSetting) MethodSettings {
	ms, ok := all["*/*"]
	if !ok {
		return MethodSettings{}
	}
	return MethodSettings{Set: true, LoggingLevel: aws.ToString(ms.LoggingLevel), DataTrace: ms.DataTraceEnabled, Metrics: ms.MetricsEnabled,
		RateLimit: ms.ThrottlingRateLimit, BurstLimit: ms.ThrottlingBurstLimit}
}

// CreateDeployment snapshots a REST API's current methods; it returns the deployment id.
// A stage serves it once CreateStage or PointStage names it.
func (a *Account) CreateDeployment(ctx context.Context, apiID string) (string, error) {
	return a.CreateDescribedDeployment(ctx, apiID, "Deployed by vpclink")
}

// CreateDescribedDeployment is CreateDeployment with the deployment's description, e.g.
// DeploymentDescription(runID), by which ListDeployments tells it again.
func (a *Account) CreateDescribedDeployment(ctx context.Context, apiID, description string) (string, error) {
	var out *apigateway.CreateDeploymentOutput
	err := a.pacer().Gateway(ctx, "CreateDeployment", func() (err error) {
		out, err = a.Gateway.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{
			RestApiId:   aws.String(apiID),
			Description: aws.String(description),
		})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create deployment of %s: %w", apiID, err)
	}
	return aws.ToString(out.Id), nil
}

// CreateStage creates a stage serving a deployment, with its variables and tags.
func (a *Account) CreateStage(ctx context.Context, apiID, stage, deployment string, vars, tags map[string]string) error {
	err := a.pacer().Gateway(ctx, "CreateStage", func() error {
		_, err := a.Gateway.CreateStage(ctx, &apigateway.CreateStageInput{
			RestApiId:    aws.String(apiID),
			StageName:    aws.String(stage),
			DeploymentId: aws.String(deployment),
			Variables:    vars,
			Tags:         tags,
			Description:  aws.String("Created by vpclink"),
		})
		return err
	})
	if err != nil {
		return fmt.Errorf("create stage %s of %s: %w", stage, apiID, err)
	}
	return nil
}

// PointStage makes an existing stage serve a deployment and sets the given variables.
func (a *Account) PointStage(ctx context.Context, apiID, stage, deployment string, vars map[string]string) error {
	ops := []gwtypes.PatchOperation{{Op: gwtypes.OpReplace, Path: aws.String("/deploymentId"), Value: aws.String(deployment)}}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		ops = append(ops, gwtypes.PatchOperation{Op: gwtypes.OpReplace, Path: aws.String("/variables/" + k), Value: aws.String(vars[k])})
	}
	err := a.pacer().Gateway(ctx, "UpdateStage", func() error {
		_, err := a.Gateway.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(apiID), StageName: aws.String(stage), PatchOperations: ops})
		return err
	})
	if err != nil {
		return fmt.Errorf("point stage %s of %s at deployment %s: %w", stage, apiID, deployment, err)
	}
	return nil
}

// GetStage returns one stage of a REST API.
func (a *Account) GetStage(ctx context.Context, apiID, stage string) (Stage, error) {
	var out *apigateway.GetStageOutput
	err := a.pacer().Gateway(ctx, "GetStage", func() (err error) {
		out, err = a.Gateway.GetStage(ctx, &apigateway.GetStageInput{RestApiId: aws.String(apiID), StageName: aws.String(stage)})
		return err
	})
	if err != nil {
		return Stage{}, fmt.Errorf("get stage %s of %s: %w", stage, apiID, err)
	}
	return Stage{Name: aws.ToString(out.StageName), DeploymentID: aws.ToString(out.DeploymentId), Variables: out.Variables, Tags: out.Tags,
		Settings: methodSettings(out.MethodSettings)}, nil
}

// StageSettings are a stage's method settings for every method: logging and throttling.
// Zero values leave a setting as it is.
type StageSettings struct {
	LoggingLevel string // OFF, ERROR, INFO
	RateLimit    float64
	BurstLimit   int32
}

// PatchOperations returns the UpdateStage patch that applies s: the change from a stage
// with no method settings.
func (s StageSettings) PatchOperations() []gwtypes.PatchOperation {
	return s.ChangeOperations(MethodSettings{})
}

// ChangeOperations returns the UpdateStage patch that applies s to a stage whose settings
// are current: only what differs. Unlike PatchOperations, a logging level of OFF is applied
// when the stage logs, so that a stage that was there is turned OFF when the plan asks.
func (s StageSettings) ChangeOperations(current MethodSettings) []gwtypes.PatchOperation {
	var ops []gwtypes.PatchOperation
	if s.LoggingLevel != "" && s.LoggingLevel != current.level() {
		ops = append(ops, replaceOp(pathLogLevel, s.LoggingLevel))
	}
	if s.RateLimit > 0 && (!current.Set || s.RateLimit != current.RateLimit) {
		ops = append(ops, replaceOp(pathRateLimit, strconv.FormatFloat(s.RateLimit, 'f', -1, 64)))
	}
	if s.BurstLimit > 0 && (!current.Set || s.BurstLimit != current.BurstLimit) {
		ops = append(ops, replaceOp(pathBurstLimit, strconv.Itoa(int(s.BurstLimit))))
	}
	return ops
}

// ChangeStageSettings applies logging and throttling to every method of a stage whose
// settings are current, patching only what differs.
func (a *Account) ChangeStageSettings(ctx context.Context, apiID, stage string, current MethodSettings, s StageSettings) error {
	return a.updateStage(ctx, apiID, stage, s.ChangeOperations(current))
}

// UpdateStageSettings applies logging and throttling to every method of a stage.
func (a *Account) UpdateStageSettings(ctx context.Context, apiID, stage string, s StageSettings) error {
	return a.updateStage(ctx, apiID, stage, s.PatchOperations())
}

// UnsetStageVariable removes one variable of a stage: the stage then names no VPC link
// through it, and AWS lets that link be deleted.
func (a *Account) UnsetStageVariable(ctx context.Context, apiID, stage, name string) error {
	return a.updateStage(ctx, apiID, stage, []gwtypes.PatchOperation{{Op: gwtypes.OpRemove, Path: aws.String("/variables/" + name)}})
}

// IsLoadBalancerLinked reports whether err is AWS refusing to create a VPC link to a network
// load balancer another VPC link is associated with, and names that link.
func IsLoadBalancerLinked(err error) (string, bool) {
	const marker = "is already associated with another VPC link "
	if err == nil {
		return "", false
	}
	msg := ErrorMessage(err)
	i := strings.Index(msg, marker)
	if ErrorCode(err) != "BadRequestException" || i < 0 {
		return "", false
	}
	id, _, _ := strings.Cut(msg[i+len(marker):], " ")
	return strings.TrimRight(id, "."), true
}

func (a *Account) updateStage(ctx context.Context, apiID, stage string, ops []gwtypes.PatchOperation) error {
	if len(ops) == 0 {
		return nil
	}
	err := a.pacer().Gateway(ctx, "UpdateStage", func() error {
		_, err := a.Gateway.UpdateStage(ctx, &apigateway.UpdateStageInput{RestApiId: aws.String(apiID), StageName: aws.String(stage), PatchOperations: ops})
		return err
	})
	if err != nil {
		return fmt.Errorf("update stage %s of %s: %w", stage, apiID, err)
	}
	return nil
}

// APIKey is an API Gateway API key. Its value is a secret: it is shown once and never stored.
type APIKey struct {
	ID    string
	Name  string
	Value string
}

// CreateAPIKey creates an enabled API key.
func (a *Account) CreateAPIKey(ctx context.Context, name string, tags map[string]string) (APIKey, error) {
	var out *apigateway.CreateApiKeyOutput
	err := a.pacer().Gateway(ctx, "CreateApiKey", func() (err error) {
		out, err = a.Gateway.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String(name), Enabled: true, Tags: tags, Description: aws.String("Created by vpclink")})
		return err
	})
	if err != nil {
		return APIKey{}, fmt.Errorf("create api key %s: %w", name, err)
	}
	return APIKey{ID: aws.ToString(out.Id), Name: aws.ToString(out.Name), Value: aws.ToString(out.Value)}, nil
}

// FindAPIKey returns the API key named name that carries tag key=value, if any.
func (a *Account) FindAPIKey(ctx context.Context, name, key, value string) (APIKey, bool, error) {
	keys, err := a.FindAPIKeys(ctx, name, key, value)
	if err != nil || len(keys) == 0 {
		return APIKey{}, false, err
	}
	return keys[0], true, nil
}

// FindAPIKeys returns every API key named name that carries tag key=value: names are not
// unique in API Gateway.
func (a *Account) FindAPIKeys(ctx context.Context, name, key, value string) ([]APIKey, error) {
	var keys []APIKey
	pages := apigateway.NewGetApiKeysPaginator(a.Gateway, &apigateway.GetApiKeysInput{NameQuery: aws.String(name)})
	for pages.HasMorePages() {
		var out *apigateway.GetApiKeysOutput
		err := a.pacer().Gateway(ctx, "GetApiKeys", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get api keys named %s: %w", name, err)
		}
		for _, k := range out.Items {
			if aws.ToString(k.Name) == name && k.Tags[key] == value {
				keys = append(keys, APIKey{ID: aws.ToString(k.Id), Name: name})
			}
		}
	}
	return keys, nil
}

// DeleteAPIKey deletes an API key; one already gone is success.
func (a *Account) DeleteAPIKey(ctx context.Context, id string) error {
	err := a.pacer().Gateway(ctx, "DeleteApiKey", func() error {
		_, err := a.Gateway.DeleteApiKey(ctx, &apigateway.DeleteApiKeyInput{ApiKey: aws.String(id)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete api key %s: %w", id, err)
	}
	return nil
}

// CreateUsagePlan creates a usage plan for one stage, with throttling when rate > 0. Its key
// is attached by AttachUsagePlanKey, a call of its own, so that a crash between the two is
// repaired on resume.
func (a *Account) CreateUsagePlan(ctx context.Context, name, apiID, stage string, rate float64, burst int32, tags map[string]string) (string, error) {
	in := &apigateway.CreateUsagePlanInput{
		Name:      aws.String(name),
		ApiStages: []gwtypes.ApiStage{{ApiId: aws.String(apiID), Stage: aws.String(stage)}},
		Tags:      tags,
	}
	if rate > 0 {
		in.Throttle = &gwtypes.ThrottleSettings{RateLimit: rate, BurstLimit: burst}
	}
	var out *apigateway.CreateUsagePlanOutput
	err := a.pacer().Gateway(ctx, "CreateUsagePlan", func() (err error) {
		out, err = a.Gateway.CreateUsagePlan(ctx, in)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create usage plan %s: %w", name, err)
	}
	return aws.ToString(out.Id), nil
}

// UsagePlanHasKey reports whether the API key keyID is attached to the usage plan planID.
func (a *Account) UsagePlanHasKey(ctx context.Context, planID, keyID string) (bool, error) {
	found := false
	err := a.usagePlanKeys(ctx, planID, func(id string) bool {
		found = id == keyID
		return !found
	})
	return found, err
}

// usagePlanKeys calls yield with the id of each API key attached to the usage plan planID,
// page by page, and stops asking for pages once yield returns false.
func (a *Account) usagePlanKeys(ctx context.Context, planID string, yield func(id string) bool) error {
	pages := apigateway.NewGetUsagePlanKeysPaginator(a.Gateway, &apigateway.GetUsagePlanKeysInput{UsagePlanId: aws.String(planID)})
	for pages.HasMorePages() {
		var out *apigateway.GetUsagePlanKeysOutput
		err := a.pacer().Gateway(ctx, "GetUsagePlanKeys", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("get keys of usage plan %s: %w", planID, err)
		}
		for _, k := range out.Items {
			if !yield(aws.ToString(k.Id)) {
				return nil
			}
		}
	}
	return nil
}

// AttachUsagePlanKey attaches the API key keyID to the usage plan planID. A key attached
// already (AWS's ConflictException) is success, so the call may be repeated.
func (a *Account) AttachUsagePlanKey(ctx context.Context, planID, keyID string) error {
	err := a.pacer().Gateway(ctx, "CreateUsagePlanKey", func() error {
		_, err := a.Gateway.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: aws.String(planID), KeyId: aws.String(keyID), KeyType: aws.String("API_KEY")})
		return err
	})
	if ErrorCode(err) == "ConflictException" {
		return nil
	}
	if err != nil {
		return fmt.Errorf("attach api key %s to usage plan %s: %w", keyID, planID, err)
	}
	return nil
}

// FindUsagePlan returns the id of the usage plan named name that carries tag key=value, if any.
func (a *Account) FindUsagePlan(ctx context.Context, name, key, value string) (string, bool, error) {
	ids, err := a.FindUsagePlans(ctx, name, key, value)
	if err != nil || len(ids) == 0 {
		return "", false, err
	}
	return ids[0], true, nil
}

// FindUsagePlans returns the ids of every usage plan named name that carries tag key=value:
// names are not unique in API Gateway.
func (a *Account) FindUsagePlans(ctx context.Context, name, key, value string) ([]string, error) {
	var ids []string
	pages := apigateway.NewGetUsagePlansPaginator(a.Gateway, &apigateway.GetUsagePlansInput{})
	for pages.HasMorePages() {
		var out *apigateway.GetUsagePlansOutput
		err := a.pacer().Gateway(ctx, "GetUsagePlans", func() (err error) {
			out, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("get usage plans: %w", err)
		}
		for _, p := range out.Items {
			if aws.ToString(p.Name) == name && p.Tags[key] == value {
				ids = append(ids, aws.ToString(p.Id))
			}
		}
	}
	return ids, nil
}

// DeleteUsagePlan detaches a usage plan from every API stage it names and deletes it; one
// already gone is success. AWS refuses to delete a plan that still names a stage.
func (a *Account) DeleteUsagePlan(ctx context.Context, id string) error {
	var plan *apigateway.GetUsagePlanOutput
	err := a.pacer().Gateway(ctx, "GetUsagePlan", func() (err error) {
		plan, err = a.Gateway.GetUsagePlan(ctx, &apigateway.GetUsagePlanInput{UsagePlanId: aws.String(id)})
		return err
	})
	if IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("get usage plan %s: %w", id, err)
	}
	var ops []gwtypes.PatchOperation
	for _, st := range plan.ApiStages {
		ops = append(ops, gwtypes.PatchOperation{Op: gwtypes.OpRemove, Path: aws.String("/apiStages"),
			Value: aws.String(aws.ToString(st.ApiId) + ":" + aws.ToString(st.Stage))})
	}
	if len(ops) > 0 {
		err = a.pacer().Gateway(ctx, "UpdateUsagePlan", func() error {
			_, err := a.Gateway.UpdateUsagePlan(ctx, &apigateway.UpdateUsagePlanInput{UsagePlanId: aws.String(id), PatchOperations: ops})
			return err
		})
		if err != nil && !IsNotFound(err) {
			return fmt.Errorf("detach usage plan %s from its stages: %w", id, err)
		}
	}
	err = a.pacer().Gateway(ctx, "DeleteUsagePlan", func() error {
		_, err := a.Gateway.DeleteUsagePlan(ctx, &apigateway.DeleteUsagePlanInput{UsagePlanId: aws.String(id)})
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("delete usage plan %s: %w", id, err)
	}
	return nil
}
