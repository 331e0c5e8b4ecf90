// Key Vault secret names, shared by the vault (which stores the values) and the app settings (which reference them).
// docs/deploy.md lists the same names for operators who set the values by hand.

@export()
var appSecretName = 'messenger-app-secret'

@export()
var verifyTokenName = 'messenger-verify-token'

@export()
func pageTokenName(pageId string) string => 'messenger-page-${pageId}-access-token'
