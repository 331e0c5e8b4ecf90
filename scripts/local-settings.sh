# Sourced by run.sh and scripts/otn: settings for a local run, each overridable from the environment.
# These values only open a local emulator, a local fake of Meta's Send API and a local host.
: "${OTN_URL:=http://127.0.0.1:7071}"
: "${FAKE_SEND_API_URL:=http://127.0.0.1:7072}"
# The otn command line finds the service here.
: "${Otn__Url:=$OTN_URL}"
: "${OTN_SAMPLE_PAGE:=1234567890}"
: "${Messenger__AppId:=1000000000001}"
: "${Messenger__AppSecret:=local-app-secret}"
: "${Messenger__VerifyToken:=local-verify-token}"
: "${Messenger__GraphApiVersion:=v23.0}"
: "${Messenger__GraphBaseUrl:=$FAKE_SEND_API_URL}"
: "${Api__Key:=local-api-key-change-me}"
page_token_var="Messenger__Pages__${OTN_SAMPLE_PAGE}__AccessToken"
: "${!page_token_var:=local-page-token}"
azurite_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
: "${OtnStorage:=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${azurite_key};BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;}"
export OTN_URL Otn__Url FAKE_SEND_API_URL OTN_SAMPLE_PAGE Messenger__AppId Messenger__AppSecret Messenger__VerifyToken Messenger__GraphApiVersion \
  Messenger__GraphBaseUrl Api__Key OtnStorage "$page_token_var"
