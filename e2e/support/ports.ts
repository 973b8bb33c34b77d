// Fixed loopback ports of the two dev hosts the e2e projects run against.
export const FAKE_PORT = 5311;
export const KVM_PORT = 5312;
