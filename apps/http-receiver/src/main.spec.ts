import { describeAppWiring } from '@linebacker/testing/jest';

describeAppWiring('http-receiver');
