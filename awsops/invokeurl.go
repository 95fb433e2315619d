package awsops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// invokeTimeout bounds one request to an invoke URL: API Gateway's own limit is 29 s, but a
// check wants a quick answer.
const invokeTimeout = 10 * time.Second

// invoker sends HTTPS requests to invoke URLs, signing them with the account's credentials
// when asked.
type invoker struct {
	client *http.Client
	creds  aws.CredentialsProvider
	region string
}

// newInvoker returns an invoker for cfg, or nil when AWS calls go to another endpoint (an
// emulator, whose invoke URLs are not on the internet).
func newInvoker(cfg aws.Config, endpoint string) *invoker {
	if endpoint != "" || aws.ToString(cfg.BaseEndpoint) != "" {
		return nil
	}
	return &invoker{client: &http.Client{Timeout: invokeTimeout}, creds: cfg.Credentials, region: cfg.Region}
}

// CanCallInvokeURL reports whether vpclink can send a real request to an invoke URL of this
// account: not on the demo account nor through an emulator's endpoint.
func (a *Account) CanCallInvokeURL() bool { return a.invoker != nil }

// ErrNoInvokeURL says the account's invoke URLs are not reachable from here.
var ErrNoInvokeURL = errors.New("invoke URLs of this account are not reachable: it is the demo account or an emulator")

// maxBody is how much of an answer's body is read.
const maxBody = 64 << 10

// Answer is what an invoke URL answered: the status, the body (its first 64 KiB), and
// API Gateway's x-amzn-ErrorType header, which only API Gateway's own answers carry (e.g.
// ForbiddenException): an answer without it came from the service.
type Answer struct {
	Status    int
	Body      string
	ErrorType string
}

// CallInvokeURL sends one request to an invoke URL as a client would: with apiKey in the
// x-api-key header when it is not empty, and signed with SigV4 for execute-api when sign is
// set. The key is sent, never kept.
func (a *Account) CallInvokeURL(ctx context.Context, method, url, apiKey string, sign bool) (Answer, error) {
	inv := a.invoker
	if inv == nil {
		return Answer{}, ErrNoInvokeURL
	}
	ctx, cancel := context.WithTimeout(ctx, invokeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return Answer{}, fmt.Errorf("request %s: %w", url, err)
	}
	if apiKey != "" {
		req.Header.Set("x-api-key", apiKey)
	}
	if sign {
		if inv.creds == nil {
			return Answer{}, fmt.Errorf("sign a request to %s: no AWS credentials are configured", url)
		}
		creds, err := inv.creds.Retrieve(ctx)
		if err != nil {
			return Answer{}, fmt.Errorf("read AWS credentials to sign a request to %s: %w", url, err)
		}
		empty := sha256.Sum256(nil)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "execute-api", inv.region, time.Now()); err != nil {
			return Answer{}, fmt.Errorf("sign a request to %s: %w", url, err)
		}
	}
	resp, err := inv.client.Do(req)
	if err != nil {
		return Answer{}, fmt.Errorf("request %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return Answer{}, fmt.Errorf("read the answer of %s: %w", url, err)
	}
	errType, _, _ := strings.Cut(resp.Header.Get("x-amzn-ErrorType"), ":")
	return Answer{Status: resp.StatusCode, Body: strings.TrimSpace(string(b)), ErrorType: errType}, nil
}
