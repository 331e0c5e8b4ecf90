// The vault behind the app's Key Vault references: the Meta App Secret, the webhook verify token and one access
// token per Page. Secret values are written here only when given; otherwise operators set them in the vault
// (docs/deploy.md), so a redeployment never needs them again.

import { appSecretName, verifyTokenName, pageTokenName } from 'secret-names.bicep'

param location string
param tags object
param keyVaultName string

@secure()
param appSecret string

@secure()
param verifyToken string

@description('Page access tokens by Page ID.')
@secure()
param pageAccessTokens object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource appSecretValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(appSecret)) {
  parent: vault
  name: appSecretName
  properties: {
    value: appSecret
  }
}

resource verifyTokenValue 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(verifyToken)) {
  parent: vault
  name: verifyTokenName
  properties: {
    value: verifyToken
  }
}

resource pageTokenValues 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [
  for page in items(pageAccessTokens): {
    parent: vault
    name: pageTokenName(page.key)
    properties: {
      value: page.value
    }
  }
]

output name string = vault.name
