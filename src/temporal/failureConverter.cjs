'use strict';
/**
 * The failure converter of an encrypting deployment, named by path in the data converter
 * (src/temporal/dataConverter.ts). CommonJS on purpose: the SDK require()s this path in the
 * client and worker processes, where no TypeScript loader may be installed (vitest has none for
 * require), and webpack bundles the same file into the workflow sandbox.
 *
 * A failure's message and stack trace are plain fields of history; with encodeCommonAttributes
 * they move into an encoded payload, which the payload codec then encrypts like any other.
 */
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
